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
