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
// Failures before the command runs (no such executable, bad working
// directory) travel back on a close-on-exec pipe, so the agent reports them as
// the container's StartError instead of an exit code.
//
// Every process is started with Pdeathsig=SIGKILL and in its own process
// group: if the agent dies, its pods die with it and nothing is orphaned; the
// restarted agent reports their containers as terminated and restarts them as
// the restart policy says.
//
// The network namespace gets its veth and IP from package network.
//
// Not yet: a read-only host root with volumes bind-mounted, per-pod
// /etc/hosts and /etc/resolv.conf, and cgroup limits.
package runtime
