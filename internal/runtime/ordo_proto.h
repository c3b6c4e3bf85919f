// ordo_proto.h is the single description of how the agent (Go) talks to
// the processes ordo starts through its C constructors: their command
// lines, environment, descriptors and the messages on their sockets. The C
// code uses these macros; the Go code uses the same names through cgo
// (proto.go: C.ORDO_FLAG_UID is the Go constant "--uid"), so a flag or a
// message is spelt in one place. README.md in this directory shows where
// each process sits.
#ifndef ORDO_PROTO_H
#define ORDO_PROTO_H

// ---------------------------------------------------------------------------
// Commands: argv[1] of the ordo binary, recognized by a C constructor before
// the Go runtime starts. The constructor's process never returns to Go.
// ---------------------------------------------------------------------------

// ordo internal-exec FLAGS... -- COMMAND...
//   A container (exec.c). Descriptors: 0 /dev/null (or --stdin-fd),
//   1 stdout, 2 stderr, 3 the status pipe (an error message before the
//   exec, or a clean close on it), 4 the hold socket (--hold).
#define ORDO_CMD_EXEC "internal-exec"

// ordo internal-enter --pid PID [credential flags] -- COMMAND...
//   A command in a running container (enter.c; kubectl exec, exec probes
//   and hooks): from the host's root, joins the ipc, uts, net, pid and
//   mnt namespaces, root, working directory and cgroups of process PID,
//   forks into the PID namespace, takes the credentials and execs COMMAND
//   found on the PATH of its environment. It forwards the signals it gets
//   and exits as COMMAND does (its code, or 128+signal). With a terminal
//   as stdin, COMMAND leads a new session with it as controlling terminal.
#define ORDO_CMD_ENTER "internal-enter"

// ordo internal-sandbox --hostname NAME
//   A pod's sandbox (sandbox.c), selected by this command together with
//   ORDO_ENV_SANDBOX_HOSTNAME. fd 3 is the status pipe. A shim runs this and
//   internal-exec of its own binary in its cloned child, with no exec
//   (ordo_shim_become), the same argv and environment shown in /proc.
#define ORDO_CMD_SANDBOX "internal-sandbox"

// ordo internal-shim SOCKET
//   A pod's shim (shim.c), selected by this command together with
//   ORDO_ENV_SHIM=1 (the argv names the socket for ps and the test suite's
//   sweep). fd 3 is its listening
//   SOCK_SEQPACKET socket; messages below (ORDO_SHIM_*).
#define ORDO_CMD_SHIM "internal-shim"

// ---------------------------------------------------------------------------
// Flags of internal-exec (and, for the credential flags, internal-enter).
// Every flag comes before "--"; the list flags repeat, in order.
// ---------------------------------------------------------------------------

#define ORDO_FLAG_END "--" // ends the flags; COMMAND follows

// Credentials (Credentials.args in enter.go): applied by ordo_apply_creds.
#define ORDO_FLAG_UID "--uid" // --uid N: setuid(N)
#define ORDO_FLAG_GID "--gid" // --gid N: setgid(N); with it, exactly --groups
#define ORDO_FLAG_GROUPS "--groups" // --groups N,N,...: the supplementary groups
#define ORDO_FLAG_CAPS "--caps" // --caps HEX: the capability mask kept (bit n: capability n)
#define ORDO_FLAG_NO_NEW_PRIVS "--no-new-privs" // PR_SET_NO_NEW_PRIVS before the exec

// The container (internal-exec only).
#define ORDO_FLAG_SANDBOX_PID "--sandbox-pid" // --sandbox-pid PID: join its uts, ipc, net namespaces
#define ORDO_FLAG_WORKDIR "--workdir" // --workdir DIR: the working directory
#define ORDO_FLAG_READ_ONLY_ROOT "--read-only-root" // readOnlyRootFilesystem
#define ORDO_FLAG_HOLD "--hold" // a warm runner's hold: serve runs on fd 4 (ORDO_HOLD_*)
#define ORDO_FLAG_HOST_IPC "--host-ipc" // bind the host's /dev/shm
#define ORDO_FLAG_HIDE "--hide" // --hide DIR: cover a host path (host root only)
#define ORDO_FLAG_LAYER "--layer" // --layer DIR: an image layer, base first: an image root
#define ORDO_FLAG_CGROUP "--cgroup" // --cgroup DIR: write the pid to DIR/cgroup.procs
#define ORDO_FLAG_COPY "--copy" // --copy SRC DST: copy a host file into the writable layer
#define ORDO_FLAG_MOUNT "--mount" // --mount SRC DST ro|rw: bind after the pivot
#define ORDO_FLAG_STDIN_FD "--stdin-fd" // --stdin-fd N: dup N to 0 (stdin: true)
#define ORDO_FLAG_CONSOLE_FD "--console-fd" // --console-fd N: send the pty master over N (tty: true)
#define ORDO_FLAG_PID "--pid" // --pid PID: the container process to enter (internal-enter)
#define ORDO_MOUNT_RO "ro"
#define ORDO_MOUNT_RW "rw"

// ---------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------

#define ORDO_ENV_SHIM "ORDO_SHIM" // "1": this process is a shim
#define ORDO_ENV_SANDBOX_HOSTNAME "ORDO_SANDBOX_HOSTNAME" // a sandbox, with this hostname
// ORDO_SANDBOX_SYSCTL_<n>=<path under /proc/sys>=<value>: one sysctl each
#define ORDO_ENV_SANDBOX_SYSCTL "ORDO_SANDBOX_SYSCTL_"
// Set in each run a warm runner's hold forks: the slot it runs for.
#define ORDO_ENV_SCHEDULED_TIME "ORDO_SCHEDULED_TIME"

// ---------------------------------------------------------------------------
// The shim's protocol (shim.c, shim.go): one SOCK_SEQPACKET message per
// request or event, its fields NUL-terminated strings, numbers in decimal;
// descriptors travel as SCM_RIGHTS (at most ORDO_SHIM_MAXFDS). Fields are
// only ever appended, so an agent reads an older shim's messages.
// ---------------------------------------------------------------------------

// The protocol this build speaks, said at the end of every "list".
//   2: the shim writes a run's log itself (LOG "1").
//   3: LOG "2": a run with a terminal; the shim sends "console".
#define ORDO_SHIM_VERSION 3
#define ORDO_SHIM_MAXFDS 8

// agent -> shim
// spawn TAG FLAGS PIDNS NCHILD PATH ARGC ARGV... ENVC ENV... META [LOG]
//   FLAGS: clone flags; PIDNS: a process whose PID namespace the child
//   joins (0: none). Descriptors: NCHILD for the child (its 1, 2, 3 ...);
//   with LOG "1" or "2" the run's log file and its stdout's (or, with "2",
//   the console socket's) and stderr's read ends; the rest are kept and
//   handed back on "list".
#define ORDO_SHIM_SPAWN "spawn"
#define ORDO_SHIM_LOG_NONE "0" // the agent copies the output (protocol 1)
#define ORDO_SHIM_LOG_PIPES "1" // the shim writes the log from the pipes
#define ORDO_SHIM_LOG_TTY "2" // the same, stdout from a terminal's master
// list: every record ("child" each), then "end"
#define ORDO_SHIM_LIST "list"
// forget TAG: drop an exited run's record (once its log is written)
#define ORDO_SHIM_FORGET "forget"
// exit: kill every process group started, reap, end the shim
#define ORDO_SHIM_EXIT "exit"

// shim -> agent
// spawned TAG PID
#define ORDO_SHIM_SPAWNED "spawned"
// failed TAG ERRNO
#define ORDO_SHIM_FAILED "failed"
// exited TAG PID WAITSTATUS FINISHED (wall clock, ns since the epoch)
#define ORDO_SHIM_EXITED "exited"
// console TAG, with the terminal's master as a descriptor
#define ORDO_SHIM_CONSOLE "console"
// drained TAG: the run's whole output is in its log
#define ORDO_SHIM_DRAINED "drained"
// child TAG PID ALIVE(0|1) WAITSTATUS FINISHED META DRAINED(0|1), with the
// record's kept descriptors
#define ORDO_SHIM_CHILD "child"
// end VERSION SHIMPID
#define ORDO_SHIM_END "end"

// ---------------------------------------------------------------------------
// A warm runner's hold (hold.c, hold.go): one SOCK_SEQPACKET message each,
// space-separated text.
// ---------------------------------------------------------------------------

// agent -> hold: "run ID SLOT" with the run's stdout and stderr as
// SCM_RIGHTS; "kill PID" (kills the run's process group).
#define ORDO_HOLD_RUN "run"
#define ORDO_HOLD_KILL "kill"
// hold -> agent: "started ID PID", "failed ID ERRNO", "exited PID CODE"
// (CODE: the exit code, or 128+signal).
#define ORDO_HOLD_STARTED "started"
#define ORDO_HOLD_FAILED "failed"
#define ORDO_HOLD_EXITED "exited"

#endif
