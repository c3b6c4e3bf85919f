// Package runtime starts a pod's processes in their own Linux namespaces.
//
// A pod is a shim, a sandbox and containers:
//
//	agent ──exec──▶ ordo internal-shim SOCKET  (C constructor, shim_c.go) its own
//	                                          session; outlives the agent; the
//	                                          parent of everything below, which
//	                                          it starts when the agent asks
//	shim ──clone──▶ ordo internal-sandbox   new UTS + IPC (+ network) namespaces;
//	                                          sets the pod's hostname, then sleeps
//	                                          (in a C constructor, before the Go
//	                                          runtime starts: see sandbox_c.go)
//	shim ──clone──▶ ordo internal-exec       (C constructor, see exec_c.go)
//	                                          new PID + mount namespaces; joins
//	                 (one per container)      the sandbox's UTS, IPC and network
//	                                          namespaces, mounts a
//	                                          private /tmp and a fresh /proc,
//	                                          then execs the container's command,
//	                                          which becomes PID 1 of its namespace
//
// The shim writes each container run's log (its stdout and stderr pipes,
// as CRI lines, in the file the agent opened), so what a container prints
// while no agent runs, or as one is killed, is not lost. A container with
// a terminal (tty: true) opens a pty of its own devpts before its exec and
// sends the master over a console socket (SCM_RIGHTS, as runc's console
// socket): the shim logs the master as the run's stdout and hands the
// agent a copy for input and resizes (protocol 3).
//
// The shim and the agent speak over the pod's SOCK_SEQPACKET socket
// (shim.go), one message per request, descriptors passed with SCM_RIGHTS.
// A shim's record of each process (tag, PID, meta, kept descriptors) goes
// through these states:
//
//	spawn ──▶ alive ──(waitpid)──▶ exited ──forget──▶ (dropped, once its
//	                                                    pipes have ended
//	                                                    and its log is
//	                                                    written: "drained")
//	            │                    │
//	            └─ reported to the agent connected then ("exited TAG …"),
//	               and listed, with its meta and descriptors, to the next
//	               agent that connects ("list")
//
// and the shim itself:
//
//	serving one agent ──(connection closes: the agent died or stopped)──▶
//	waiting, children running ──(a new agent connects)──▶ serving it
//	any ──"exit"──▶ kills every process group it started, reaps, ends
//	any ──SIGKILL──▶ its children get their parent-death signal (SIGKILL)
//
// SIGTERM, SIGINT and SIGHUP do not end a shim: `pkill ordo` or a
// terminal's hang-up must not take the pods with it.
//
// Which PID namespace containers run in is the pod's choice (PIDNamespace):
//
//	PIDPerContainer  each its own; the command is PID 1 and its namespace
//	                 dies with it (the default)
//	PIDPod           the sandbox starts a new PID namespace and is its PID 1;
//	                 containers are forked into it (shareProcessNamespace).
//	                 The sandbox reaps the pod's orphans, as the pause
//	                 container does; when it dies, the kernel kills the pod
//	                 (PID 1)   sandbox
//	                 (PID n)   container a's command, its children …
//	                 (PID m)   container b's command …
//	PIDHost          the host's (hostPID); a process that leaves its
//	                 container's process group is caught only by the
//	                 container's cgroup (removed at exit, swept at start)
//
// Without a namespace of its own, a container's process group is killed
// when its command exits, so what it leaves behind does not outlive it.
// hostIPC keeps the sandbox, and so its containers, in the host's IPC
// namespace, with the host's /dev/shm.
//
// Failures before the command runs (no such executable, bad working
// directory) travel back on a close-on-exec pipe, so the agent reports them as
// the container's StartError instead of an exit code.
//
// Every process is started by the shim with a parent-death signal of
// SIGKILL and in its own process group: if the shim dies, its pod dies with
// it and nothing is orphaned. The agent is no process's parent: its death
// leaves the pods running, and the next agent adopts them (AdoptSandbox).
// (A container re-arms its parent-death signal just before the exec, since
// a change of user clears it; see ordo_die_with_agent.)
//
// The network namespace gets its veth and IP from package network.
//
// Each container's root is the host's, read-only, under a private writable
// overlay, with its own /dev (the standard devices only), /proc, /tmp and
// /dev/shm, and the pod's volumes and /etc files bound in (see ordo_root
// in exec_c.go). Limits are set on a cgroup per container run (cgroup.go).
//
// A warm runner's container (ContainerConfig.Hold) is set up the same way
// but runs a hold process in place of its command (hold_c.go): it forks
// the command whenever the agent's Hold asks over a socket (hold.go), so a
// run starts inside the container with no namespace to enter and no
// cgroup to join. Sandboxes and holds give back their clean read-only
// pages once set up (ordo_drop_clean_pages).
package runtime
