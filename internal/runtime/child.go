package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	goruntime "runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// statusFD is the close-on-exec pipe a child reports early failures on.
const statusFD = 3

// ChildConfig is what `ordo internal-exec` was asked to do.
type ChildConfig struct {
	SandboxPID int
	WorkingDir string
	UID, GID   int64 // -1 when unset
	Argv       []string
	// MountsJSON is the container's mounts, as JSON ([]Mount).
	MountsJSON string
	// Cgroups are the directories the process joins before it execs.
	Cgroups []string
}

// RunSandboxChild is `ordo internal-sandbox`: set the hostname in the new
// UTS namespace, report success, and sleep until killed.
func RunSandboxChild(hostname string) int {
	status := os.NewFile(statusFD, "status")
	if err := unix.Sethostname([]byte(hostname)); err != nil {
		fail(status, fmt.Sprintf("set hostname %q: %v", hostname, err))
		return 1
	}
	status.Close()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	return 0
}

// RunExecChild is `ordo internal-exec`: join the sandbox, set up the mount
// namespace, and exec the container's command. It returns only on failure.
func RunExecChild(c ChildConfig) int {
	goruntime.LockOSThread()
	status := os.NewFile(statusFD, "status")
	if err := prepare(c); err != nil {
		fail(status, err.Error())
		return 128
	}
	path, err := lookPath(c.Argv[0])
	if err != nil {
		fail(status, err.Error())
		return 128
	}
	// Nothing but stdin, stdout and stderr crosses into the container: every
	// other descriptor (the status pipe, and any the agent inherited without
	// close-on-exec) closes with exec.
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		fail(status, fmt.Sprintf("close inherited descriptors: %v", err))
		return 128
	}
	err = unix.Exec(path, c.Argv, os.Environ())
	fail(status, fmt.Sprintf("exec %s: %v", c.Argv[0], err))
	return 128
}

func prepare(c ChildConfig) error {
	if err := enterCgroups(c.Cgroups); err != nil {
		return err
	}
	for _, ns := range []struct {
		name string
		flag int
	}{{"uts", unix.CLONE_NEWUTS}, {"ipc", unix.CLONE_NEWIPC}, {"net", unix.CLONE_NEWNET}} {
		if err := join(c.SandboxPID, ns.name, ns.flag); err != nil {
			return err
		}
	}
	var mounts []Mount
	if c.MountsJSON != "" {
		if err := json.Unmarshal([]byte(c.MountsJSON), &mounts); err != nil {
			return fmt.Errorf("mounts: %v", err)
		}
	}
	if err := buildRoot(mounts); err != nil {
		return err
	}
	if c.WorkingDir != "" {
		if err := os.Chdir(c.WorkingDir); err != nil {
			return fmt.Errorf("failed to change to working directory %q: %v", c.WorkingDir, err)
		}
	}
	if c.GID >= 0 {
		if err := unix.Setgroups(nil); err != nil {
			return fmt.Errorf("setgroups: %v", err)
		}
		if err := unix.Setgid(int(c.GID)); err != nil {
			return fmt.Errorf("setgid %d: %v", c.GID, err)
		}
	}
	if c.UID >= 0 {
		if err := unix.Setuid(int(c.UID)); err != nil {
			return fmt.Errorf("setuid %d: %v", c.UID, err)
		}
	}
	return nil
}

func join(pid int, name string, flag int) error {
	fd, err := unix.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, name), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s namespace of sandbox %d: %v", name, pid, err)
	}
	defer unix.Close(fd)
	if err := unix.Setns(fd, flag); err != nil {
		return fmt.Errorf("join %s namespace: %v", name, err)
	}
	return nil
}

// lookPath finds argv[0] on the container's PATH (its environment), with
// the runtime's wording for a missing executable.
func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
	}
	return path, nil
}

func fail(status *os.File, msg string) {
	fmt.Fprintln(os.Stderr, msg)
	_, _ = status.WriteString(msg)
	status.Close()
}
