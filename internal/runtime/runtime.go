package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Runtime starts sandboxes and containers by re-executing the ordo binary.
type Runtime struct {
	// Binary is the ordo executable (normally /proc/self/exe).
	Binary string
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
}

// Sandbox is a running pod sandbox.
type Sandbox struct {
	proc *Process
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
	flags := uintptr(syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC)
	if !c.HostNetwork {
		flags |= syscall.CLONE_NEWNET
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: flags,
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
	}
	ready, err := startReporting(cmd)
	if err != nil {
		return nil, err
	}
	p := watch(cmd)
	if msg := <-ready; msg != "" {
		p.Signal(syscall.SIGKILL)
		<-p.Done()
		return nil, fmt.Errorf("sandbox: %s", msg)
	}
	return &Sandbox{proc: p}, nil
}

// ContainerConfig is one container process.
type ContainerConfig struct {
	Sandbox    *Sandbox
	Argv       []string
	Env        []string
	WorkingDir string
	// UID and GID, when set, are the user the command runs as.
	UID, GID *int64
	// Stdout and Stderr receive the container's output.
	Stdout, Stderr io.Writer
	// Mounts are bind-mounted into the container's root, in order.
	Mounts []Mount
	// Cgroups are the cgroup directories (from Cgroups.Create) to run in.
	Cgroups []string
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
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS,
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
	}
	ready, err := startReporting(cmd)
	if err != nil {
		return nil, err
	}
	p := watch(cmd)
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
	cmd.ExtraFiles = []*os.File{w}
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

func watch(cmd *exec.Cmd) *Process {
	p := &Process{cmd: cmd, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		p.exit = exitOf(cmd, err)
		close(p.done)
	}()
	return p
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
