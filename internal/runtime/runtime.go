package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Runtime starts sandboxes and containers by re-executing the ordo binary.
type Runtime struct {
	// Binary is the ordo executable (normally /proc/self/exe).
	Binary string
	// Hide are host directories containers must not see, such as
	// the agent's data directory with its keys and every pod's volumes. Give
	// them without symlinks (filepath.EvalSymlinks).
	Hide []string
}

// Mount is one bind mount into a container: a volume, or a pod file such as
// /etc/hosts.
type Mount struct {
	Source   string
	Target   string
	ReadOnly bool
}

// SandboxConfig describes a pod's shared namespaces.
type SandboxConfig struct {
	Hostname string
	// HostNetwork keeps the pod in the host's network namespace (pods with
	// spec.hostNetwork, or a node without pod networking).
	HostNetwork bool
	// HostIPC keeps the pod in the host's IPC namespace, with the host's
	// /dev/shm (spec.hostIPC).
	HostIPC bool
	// PID is the PID namespace the pod's containers run in.
	PID PIDNamespace
}

// Sandbox is a running pod sandbox.
type Sandbox struct {
	proc    *Process
	pid     PIDNamespace
	hostIPC bool
}

// PID is the sandbox process, whose namespaces containers join.
func (s *Sandbox) PID() int { return s.proc.PID() }

// Stop kills the sandbox and waits for it.
func (s *Sandbox) Stop() {
	s.proc.Signal(syscall.SIGKILL)
	<-s.proc.Done()
}

// StartSandbox starts a pod's sandbox and waits until its hostname is set.
func (r *Runtime) StartSandbox(c SandboxConfig) (*Sandbox, error) {
	cmd := exec.Command(r.Binary, "internal-sandbox", "--hostname", c.Hostname)
	cmd.Env = []string{sandboxEnv + "=" + c.Hostname}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: sandboxFlags(c),
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
	}
	ready, err := startReporting(cmd)
	if err != nil {
		return nil, err
	}
	p := watch(cmd, nil)
	if msg := <-ready; msg != "" {
		p.Signal(syscall.SIGKILL)
		<-p.Done()
		return nil, fmt.Errorf("sandbox: %s", msg)
	}
	return &Sandbox{proc: p, pid: c.PID, hostIPC: c.HostIPC}, nil
}

// sandboxFlags are the namespaces a sandbox creates. With a pod-wide PID
// namespace the sandbox is its PID 1, as the pause container is.
func sandboxFlags(c SandboxConfig) uintptr {
	flags := uintptr(syscall.CLONE_NEWUTS)
	if !c.HostIPC {
		flags |= syscall.CLONE_NEWIPC
	}
	if !c.HostNetwork {
		flags |= syscall.CLONE_NEWNET
	}
	if c.PID == PIDPod {
		flags |= syscall.CLONE_NEWPID
	}
	return flags
}

// ContainerConfig is one container process.
type ContainerConfig struct {
	Sandbox    *Sandbox
	Argv       []string
	Env        []string
	WorkingDir string
	// UID and GID, when set, are the user the command runs as.
	UID, GID *int64
	// Groups are the supplementary groups (the pod's supplementalGroups);
	// with neither GID nor Groups the process keeps the agent's.
	Groups []int64
	// NoNewPrivileges is allowPrivilegeEscalation: false (PR_SET_NO_NEW_PRIVS).
	NoNewPrivileges bool
	// Stdout and Stderr receive the container's output.
	Stdout, Stderr io.Writer
	// Mounts are bind-mounted into the container's root, in order.
	Mounts []Mount
	// Cgroups are the cgroup directories (from Cgroups.Create) to run in.
	Cgroups []string
	// Hold, when set (from NewHold), makes the container a warm runner's
	// hold: its command runs only when the agent's Hold asks.
	Hold *os.File
}

// StartError is a failure before the container's command ran.
type StartError struct{ Msg string }

func (e *StartError) Error() string { return e.Msg }

// StartContainer starts a container in the sandbox's namespaces. It returns
// a *StartError when the command could not be executed.
func (r *Runtime) StartContainer(c ContainerConfig) (*Process, error) {
	if len(c.Argv) == 0 {
		return nil, &StartError{Msg: "no command specified"}
	}
	if c.Sandbox.exited() {
		// Its PID may already belong to another process.
		return nil, &StartError{Msg: "the pod sandbox is not running"}
	}
	// Without a workingDir a container starts in "/", as an image without
	// WORKDIR does, never in the agent's own directory.
	workdir := c.WorkingDir
	if workdir == "" {
		workdir = "/"
	}
	args := []string{"internal-exec", "--sandbox-pid", strconv.Itoa(c.Sandbox.PID()), "--workdir", workdir}
	if c.UID != nil {
		args = append(args, "--uid", strconv.FormatInt(*c.UID, 10))
	}
	if c.GID != nil {
		args = append(args, "--gid", strconv.FormatInt(*c.GID, 10))
	}
	if len(c.Groups) > 0 {
		groups := make([]string, len(c.Groups))
		for i, g := range c.Groups {
			groups[i] = strconv.FormatInt(g, 10)
		}
		args = append(args, "--groups", strings.Join(groups, ","))
	}
	if c.NoNewPrivileges {
		args = append(args, "--no-new-privs")
	}
	if c.Hold != nil {
		args = append(args, "--hold")
	}
	if c.Sandbox.hostIPC {
		args = append(args, "--host-ipc")
	}
	for _, d := range r.Hide {
		args = append(args, "--hide", d)
	}
	for _, d := range c.Cgroups {
		args = append(args, "--cgroup", d)
	}
	for _, m := range c.Mounts {
		mode := "rw"
		if m.ReadOnly {
			mode = "ro"
		}
		args = append(args, "--mount", m.Source, m.Target, mode)
	}
	cmd := exec.Command(r.Binary, append(append(args, "--"), c.Argv...)...)
	cmd.Env = c.Env
	cmd.Stdout, cmd.Stderr = c.Stdout, c.Stderr
	if c.Hold != nil {
		cmd.ExtraFiles = []*os.File{c.Hold} // fd 4, after the status pipe
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: cloneFlags(c.Sandbox.pid),
		Setpgid:    true,
		Pdeathsig:  parentDeathSignal(c.Sandbox.pid),
	}
	ready, err := startIn(c.Sandbox.pid, c.Sandbox, cmd)
	if err != nil {
		return nil, err
	}
	p := watch(cmd, leftovers(c.Sandbox.pid, cmd))
	if msg := <-ready; msg != "" {
		<-p.Done()
		return nil, &StartError{Msg: msg}
	}
	return p, nil
}

// startReporting starts cmd with a close-on-exec status pipe as fd 3. The
// child writes an error there if it fails before exec; a clean close means
// the final program is running. The returned channel yields "" or the error.
func startReporting(cmd *exec.Cmd) (<-chan string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.ExtraFiles = append([]*os.File{w}, cmd.ExtraFiles...)
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return nil, err
	}
	out := make(chan string, 1)
	go func() {
		defer r.Close()
		var buf bytes.Buffer
		_, _ = io.Copy(&buf, r)
		out <- buf.String()
	}()
	return out, nil
}

// Process is a started sandbox or container process.
type Process struct {
	cmd  *exec.Cmd
	done chan struct{}
	exit Exit
}

// Exit is how a process ended.
type Exit struct {
	Code       int
	Signal     syscall.Signal
	FinishedAt time.Time
}

// watch waits for cmd in the background; onExit, when set, runs after the
// process is reaped and before Done is closed.
func watch(cmd *exec.Cmd, onExit func()) *Process {
	p := &Process{cmd: cmd, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		p.exit = exitOf(cmd, err)
		if onExit != nil {
			onExit()
		}
		close(p.done)
	}()
	return p
}

// leftovers is what to do when a container's command exits. In a PID
// namespace of its own, nothing: the kernel kills the rest of the namespace
// with its PID 1. Without one, its process group is killed, as runc kills a
// container's leftovers when the container has no PID namespace of its own.
// (Cgroups.Remove catches processes that left the group.)
func leftovers(mode PIDNamespace, cmd *exec.Cmd) func() {
	if mode == PIDPerContainer {
		return nil
	}
	return func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// exitOf maps a wait result to Kubernetes' exit code: the code, or 128+signal.
func exitOf(cmd *exec.Cmd, err error) Exit {
	e := Exit{FinishedAt: time.Now()}
	st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ok && st.Signaled():
		e.Signal = st.Signal()
		e.Code = 128 + int(st.Signal())
	case ok:
		e.Code = st.ExitStatus()
	default:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			e.Code = ee.ExitCode()
		}
	}
	return e
}

// exited reports whether the sandbox process is gone.
func (s *Sandbox) exited() bool {
	select {
	case <-s.proc.Done():
		return true
	default:
		return false
	}
}

// PID is the process id in the agent's PID namespace.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exit is valid after Done is closed.
func (p *Process) Exit() Exit { return p.exit }

// Signal sends sig to the process's whole group.
func (p *Process) Signal(sig syscall.Signal) {
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
}
