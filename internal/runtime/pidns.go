package runtime

import "golang.org/x/sys/unix"

// PIDNamespace says which PID namespace a pod's containers run in.
type PIDNamespace int

const (
	// PIDPerContainer gives every container its own PID namespace, in which
	// its command is PID 1 (Kubernetes' default).
	PIDPerContainer PIDNamespace = iota
	// PIDPod puts every container of the pod in one PID namespace whose
	// PID 1 is the sandbox, which reaps orphans as the pause container
	// does (spec.shareProcessNamespace).
	PIDPod
	// PIDHost leaves the containers in the host's PID namespace
	// (spec.hostPID).
	PIDHost
)

// cloneFlags are the namespaces a container process is created in: always
// its own mount namespace, and its own PID namespace unless it joins the
// pod's or stays in the host's.
func cloneFlags(mode PIDNamespace) uintptr {
	if mode == PIDPerContainer {
		return unix.CLONE_NEWNS | unix.CLONE_NEWPID
	}
	return unix.CLONE_NEWNS
}

// pidNamespace is how a container's process is created: its namespaces,
// the process whose PID namespace it joins (0: none) and what to do with
// its leftovers when it exits. A container that targets another joins
// that one's namespace, as a runtime does for an ephemeral container with
// targetContainerName; it is not that namespace's PID 1, so its own
// leftovers are its process group, as with a pod-wide namespace.
func (c ContainerConfig) pidNamespace() (flags uintptr, joinPID int, onExit func(int)) {
	mode := c.Sandbox.pid
	switch {
	case mode == PIDPod:
		joinPID = c.Sandbox.PID()
	case mode == PIDPerContainer && c.Target != nil:
		joinPID, mode = c.Target.PID(), PIDPod
	}
	return cloneFlags(mode), joinPID, leftovers(mode)
}
