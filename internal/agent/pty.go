package agent

import (
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// containerPTY opens a terminal pair on the devpts instance of the
// container whose process is pid, reached through /proc/PID/root: the
// terminal is then a /dev/pts/N of the container's own, which ttyname and
// `tty` find there (one from the host's devpts has no name inside). A
// container without a devpts of its own gets one from the agent's.
func containerPTY(pid int) (term, tty *os.File, err error) {
	ptmx := fmt.Sprintf("/proc/%d/root/dev/pts/ptmx", pid)
	fd, err := unix.Open(ptmx, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return pty.Open()
	}
	term = os.NewFile(uintptr(fd), ptmx)
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		term.Close()
		return nil, nil, fmt.Errorf("unlock terminal: %w", err)
	}
	// TIOCGPTPEER opens the other end from the master itself, with no
	// path lookup that could land on another devpts.
	peer, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		term.Close()
		return nil, nil, fmt.Errorf("open terminal: %w", errno)
	}
	return term, os.NewFile(peer, "/dev/pts"), nil
}
