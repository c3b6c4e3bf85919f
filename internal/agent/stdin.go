package agent

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/ordo-dev/ordo/internal/runtime"

	corev1 "k8s.io/api/core/v1"
)

// containerStdin is the agent's side of a container run's stdin (a
// container with stdin: true): the write end of the pipe the container
// reads as fd 0, into which kubectl attach's input goes.
type containerStdin struct {
	w *os.File
	// once is the container's stdinOnce: the pipe closes when the first
	// attach session's input ends, so the container reads EOF, as
	// containerd and CRI-O close a stdinOnce container's stdin.
	once bool
	// tty says w is the master of the container's terminal (tty: true),
	// whose size attach's resize events set.
	tty bool
}

// newStdin makes the stdin pipe of a run of spec, or nothing (the
// container reads /dev/null) when spec has no stdin: true. The reader is
// the container's; the caller closes it once the run has started.
//
// The shim keeps a copy of the write end (keep), so the pipe outlives an
// agent restart and the next agent writes into the same pipe (runMeta.Stdin).
// A stdinOnce container's is not kept: its stdin must close when the agent
// closes its end, and the shim cannot be asked to close a descriptor it
// keeps; a restart of the agent therefore closes such a container's stdin,
// as the end of its attach session would.
func newStdin(spec *corev1.Container, tty bool) (r *os.File, in *containerStdin, keep *os.File, err error) {
	if spec == nil || !spec.Stdin || tty { // a terminal is its own stdin (terminalOf)
		return nil, nil, nil, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, err
	}
	in = &containerStdin{w: w, once: spec.StdinOnce}
	if !in.once {
		keep = w
	}
	return r, in, keep, nil
}

// close closes the agent's end (the container reads EOF once the shim's
// copy, if any, is gone too).
func (s *containerStdin) close() {
	if s != nil && s.w != nil {
		s.w.Close()
	}
}

// terminalOf is the agent's side of a run's terminal (tty: true): a copy
// of its master, which the pod's shim keeps too (runMeta.TTY), so input
// and sizes reach the same terminal after an agent restart. The terminal
// stays open across attach sessions: closing the agent's copy would not
// close the container's input, which the shim's copy holds.
func terminalOf(proc *runtime.Process) (*containerStdin, error) {
	master := proc.Console()
	if master == nil {
		return nil, nil // the run ended before it had one
	}
	fd, err := unix.FcntlInt(master.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &containerStdin{w: os.NewFile(uintptr(fd), "tty"), tty: true}, nil
}
