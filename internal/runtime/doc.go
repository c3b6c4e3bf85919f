// Package runtime starts a pod's processes in their own Linux namespaces.
//
// A pod is a sandbox plus containers:
//
//	agent ──exec──▶ ordo internal-sandbox   new UTS + IPC (+ network) namespaces;
//	                                          sets the pod's hostname, then sleeps
//	                                          (in a C constructor, before the Go
//	                                          runtime starts: see sandbox_c.go)
//	agent ──exec──▶ ordo internal-exec       (C constructor, see exec_c.go)
//	                                          new PID + mount namespaces; joins
//	                 (one per container)      the sandbox's UTS, IPC and network
//	                                          namespaces, mounts a
//	                                          private /tmp and a fresh /proc,
//	                                          then execs the container's command,
//	                                          which becomes PID 1 of its namespace
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
// Every process is started with Pdeathsig=SIGKILL and in its own process
// group: if the agent dies, its pods die with it and nothing is orphaned; the
// restarted agent reports their containers as terminated and restarts them as
// the restart policy says. (A container re-arms its parent-death signal just
// before the exec, since a change of user clears it and Go cannot arm it for
// a child in a pod-wide PID namespace; see ordo_die_with_agent.)
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
