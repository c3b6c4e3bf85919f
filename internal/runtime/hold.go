package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Hold is the agent's end of a warm runner's hold process (hold.c; its
// messages are ORDO_HOLD_* in ordo_proto.h): the
// container runs it in place of its command, and each Run forks the
// command once inside the container, with no namespace to enter and no
// cgroup to join, since the hold is already in them.
type Hold struct {
	conn   *os.File
	mu     sync.Mutex
	nextID int64
	starts map[int64]chan holdStart
	exits  map[int]chan int
	gone   chan struct{}
}

type holdStart struct {
	pid int
	err error
}

// NewHold returns the agent's Hold and the socket to give the container
// (ContainerConfig.Hold); the caller closes that file once the container
// started.
func NewHold() (*Hold, *os.File, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("hold socket: %w", err)
	}
	h := &Hold{conn: os.NewFile(uintptr(fds[0]), "hold"), starts: map[int64]chan holdStart{},
		exits: map[int]chan int{}, gone: make(chan struct{})}
	go h.read()
	return h, os.NewFile(uintptr(fds[1]), "hold-container"), nil
}

// Close ends the hold's connection; the hold process exits with it.
func (h *Hold) Close() error { return h.conn.Close() }

// read dispatches the hold's messages until its end closes.
func (h *Hold) read() {
	defer close(h.gone)
	buf := make([]byte, 256)
	for {
		n, err := h.conn.Read(buf)
		if err != nil || n == 0 {
			return
		}
		f := strings.Fields(string(buf[:n]))
		if len(f) != 3 {
			continue
		}
		a, _ := strconv.ParseInt(f[1], 10, 64)
		b, _ := strconv.Atoi(f[2])
		h.mu.Lock()
		switch f[0] {
		case holdStarted:
			// Registered before the hold's exit message can come: it
			// sends "started" before it handles the run's SIGCHLD.
			h.exits[b] = make(chan int, 1)
			if ch := h.starts[a]; ch != nil {
				ch <- holdStart{pid: b}
			}
		case holdFailed:
			if ch := h.starts[a]; ch != nil {
				ch <- holdStart{err: syscall.Errno(b)}
			}
		case holdExited:
			if ch := h.exits[int(a)]; ch != nil {
				ch <- b
			}
		}
		h.mu.Unlock()
	}
}

var errHoldGone = errors.New("the runner's hold process is gone")

// Run runs the command once for slot with the given stdout and stderr,
// calls started once it is forked, and returns its exit code (128+signal
// when a signal ended it). Cancelling ctx kills the run's process group.
func (h *Hold) Run(ctx context.Context, slot string, stdout, stderr *os.File, started func()) (int, error) {
	h.mu.Lock()
	h.nextID++
	id := h.nextID
	startCh := make(chan holdStart, 1)
	h.starts[id] = startCh
	h.mu.Unlock()
	defer func() { h.mu.Lock(); delete(h.starts, id); h.mu.Unlock() }()
	rights := syscall.UnixRights(int(stdout.Fd()), int(stderr.Fd()))
	raw, err := h.conn.SyscallConn()
	if err != nil {
		return 0, err
	}
	var sendErr error
	if err := raw.Write(func(fd uintptr) bool {
		sendErr = syscall.Sendmsg(int(fd), []byte(fmt.Sprintf("%s %d %s", holdRun, id, slot)), rights, nil, 0)
		return sendErr != syscall.EAGAIN
	}); err != nil {
		return 0, err
	}
	if sendErr != nil {
		return 0, fmt.Errorf("ask the hold for a run: %w", sendErr)
	}
	var st holdStart
	select {
	case st = <-startCh:
	case <-h.gone:
		return 0, errHoldGone
	}
	if st.err != nil {
		return 0, fmt.Errorf("fork the run: %w", st.err)
	}
	started()
	h.mu.Lock()
	exit := h.exits[st.pid]
	h.mu.Unlock()
	defer func() { h.mu.Lock(); delete(h.exits, st.pid); h.mu.Unlock() }()
	select {
	case code := <-exit:
		return code, nil
	case <-ctx.Done():
		_, _ = h.conn.Write([]byte(fmt.Sprintf("%s %d 0", holdKill, st.pid)))
	case <-h.gone:
		return 0, errHoldGone
	}
	select {
	case code := <-exit:
		return code, nil
	case <-h.gone:
		return 0, errHoldGone
	}
}
