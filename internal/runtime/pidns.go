package runtime

import (
	"fmt"
	"os"
	"os/exec"
	goruntime "runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

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

// startInPIDNamespace runs start, which forks, so that the child is born in
// the PID namespace of process pid. A process cannot move itself into
// another PID namespace: setns only decides where its later children go, and
// that per thread. So one OS thread switches, forks, and switches back
// before Go may schedule anything else on it.
func startInPIDNamespace(pid int, start func() error) error {
	result := make(chan error, 1)
	go func() {
		goruntime.LockOSThread()
		back, err := os.Open("/proc/thread-self/ns/pid")
		if err != nil {
			goruntime.UnlockOSThread()
			result <- err
			return
		}
		defer back.Close()
		if err := setnsPID(fmt.Sprintf("/proc/%d/ns/pid", pid)); err != nil {
			goruntime.UnlockOSThread()
			result <- fmt.Errorf("join the pod's PID namespace: %w", err)
			return
		}
		result <- start()
		if unix.Setns(int(back.Fd()), unix.CLONE_NEWPID) != nil {
			// The thread must never fork for anyone else, nor end: its
			// children, of this and earlier pods, would get their
			// parent-death signal. It stays parked, a leak that is never
			// expected to happen (the agent can always re-enter its own
			// namespace).
			select {}
		}
		goruntime.UnlockOSThread()
	}()
	return <-result
}

func setnsPID(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Setns(int(f.Fd()), unix.CLONE_NEWPID)
}

// cloneFlags are the namespaces a container process is created in: always
// its own mount namespace, and its own PID namespace unless it joins the
// pod's or stays in the host's.
func cloneFlags(mode PIDNamespace) uintptr {
	if mode == PIDPerContainer {
		return unix.CLONE_NEWNS | unix.CLONE_NEWPID
	}
	return unix.CLONE_NEWNS
}

// parentDeathSignal is the Pdeathsig Go arms in a container's child. None
// in the pod's PID namespace: Go's check that the parent is still alive
// compares getppid, which is 0 there, and would kill the child at once. The
// C constructor arms it there instead (ordo_die_with_agent in exec_c.go).
func parentDeathSignal(mode PIDNamespace) syscall.Signal {
	if mode == PIDPod {
		return 0
	}
	return syscall.SIGKILL
}

// startIn starts a container's cmd in the PID namespace mode asks for.
func startIn(mode PIDNamespace, sb *Sandbox, cmd *exec.Cmd) (<-chan string, error) {
	var ready <-chan string
	start := func() (err error) {
		ready, err = startReporting(cmd)
		return err
	}
	if mode != PIDPod {
		return ready, start()
	}
	err := startInPIDNamespace(sb.PID(), start)
	return ready, err
}
