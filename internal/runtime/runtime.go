package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Runtime starts sandboxes and containers under a per-pod shim, the ordo
// binary re-executed, which forks them (README.md).
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
	// Sysctls are written in the sandbox's namespaces before any
	// container starts (spec.securityContext.sysctls).
	Sysctls []Sysctl
	// ShimSocket is where the pod's shim listens, so that a restarted agent
	// finds it again (AdoptSandbox). Empty: a temporary socket, for a pod
	// no later agent adopts.
	ShimSocket string
}

// Sysctl is one kernel parameter: Path is relative to /proc/sys
// ("kernel/shm_rmid_forced") and must not contain "..".
type Sysctl struct {
	Path, Value string
}

// sysctlEnv passes the sysctls to the C sandbox, one variable each.
func sysctlEnv(sysctls []Sysctl) ([]string, error) {
	var env []string
	for i, s := range sysctls {
		if s.Path == "" || strings.Contains(s.Path, "..") || strings.ContainsAny(s.Path, "=\x00") || strings.HasPrefix(s.Path, "/") {
			return nil, fmt.Errorf("sysctl path %q", s.Path)
		}
		env = append(env, fmt.Sprintf("%s%d=%s=%s", envSandboxSysctl, i, s.Path, s.Value))
	}
	return env, nil
}

// Sandbox is a running pod sandbox: its shim and the sandbox process.
type Sandbox struct {
	shim    *shim
	proc    *Process
	pid     PIDNamespace
	hostIPC bool
}

// PID is the sandbox process, whose namespaces containers join.
func (s *Sandbox) PID() int { return s.proc.PID() }

// Stop kills the sandbox and everything else the pod's shim started, and
// ends the shim.
func (s *Sandbox) Stop() {
	s.proc.Signal(syscall.SIGKILL)
	s.shim.exit()
	<-s.proc.Done()
}

// WritesLogs reports whether the pod's shim writes its containers' logs
// itself (ContainerConfig.LogTo): a shim started by an ordo older than
// protocol 2 leaves the copying to the agent, through the pipes it keeps
// (ContainerConfig.Keep).
func (s *Sandbox) WritesLogs() bool {
	s.shim.mu.Lock()
	defer s.shim.mu.Unlock()
	return s.shim.version >= 2
}

// GivesTerminals reports whether the pod's shim gives containers a
// terminal (ContainerConfig.TTY): one started by an ordo older than
// protocol 3 does not.
func (s *Sandbox) GivesTerminals() bool {
	s.shim.mu.Lock()
	defer s.shim.mu.Unlock()
	return s.shim.version >= 3
}

// Forget drops the shim's record of an exited container run (tag), whose
// exit the agent has reported.
func (s *Sandbox) Forget(tag string) { s.shim.forget(tag) }

// sandboxTag is the shim's name for the sandbox process.
const sandboxTag = "sandbox"

// StartSandbox starts a pod's shim and, under it, the sandbox, and waits
// until the sandbox's hostname is set.
func (r *Runtime) StartSandbox(c SandboxConfig) (*Sandbox, error) {
	sh, err := r.startShim(c.ShimSocket)
	if err != nil {
		return nil, err
	}
	sysctls, err := sysctlEnv(c.Sysctls)
	if err != nil {
		sh.exit()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	status, err := newStatusPipe()
	if err != nil {
		sh.exit()
		return nil, err
	}
	p, err := sh.spawn(r.agentBinary(), spawnRequest{
		tag: sandboxTag, cloneFlags: sandboxFlags(c),
		argv:  []string{r.Binary, cmdSandbox, "--hostname", c.Hostname},
		env:   append([]string{envSandboxHostname + "=" + c.Hostname}, sysctls...),
		child: []*os.File{devNull, devNull, status.w},
	})
	if msg := status.result(err); err != nil || msg != "" {
		sh.exit()
		if err == nil {
			err = errors.New(msg)
		}
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return &Sandbox{shim: sh, proc: p, pid: c.PID, hostIPC: c.HostIPC}, nil
}

// AdoptSandbox connects to the shim of a pod an earlier agent started and
// returns its sandbox and every other record the shim keeps (container
// runs, live or exited while no agent was connected). A shim whose sandbox
// is gone, or that speaks a newer protocol, is ended with its processes
// and reported as an error.
func (r *Runtime) AdoptSandbox(c SandboxConfig) (*Sandbox, []Child, error) {
	sh, err := dialShim(c.ShimSocket)
	if err != nil {
		return nil, nil, err
	}
	l, err := sh.list()
	if err == nil && l.version > shimVersion {
		err = fmt.Errorf("the pod's shim speaks protocol %d, newer than this agent's %d", l.version, shimVersion)
	}
	var sb *Process
	var rest []Child
	for _, ch := range l.children {
		if ch.Tag == sandboxTag {
			sb = ch.Proc
			continue
		}
		rest = append(rest, ch)
	}
	if err == nil && (sb == nil || isDone(sb)) {
		err = errors.New("the pod's sandbox is not running")
	}
	if err != nil {
		for _, ch := range rest {
			closeAll(ch.Files)
		}
		sh.exit()
		return nil, nil, err
	}
	return &Sandbox{shim: sh, proc: sb, pid: c.PID, hostIPC: c.HostIPC}, rest, nil
}

// EndShim ends the shim listening at socket and everything it started,
// for a pod no agent will adopt. It returns false if no shim answered.
func EndShim(socket string) bool {
	sh, err := dialShim(socket)
	if err != nil {
		return false
	}
	sh.exit()
	return true
}

func isDone(p *Process) bool {
	select {
	case <-p.Done():
		return true
	default:
		return false
	}
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
	// ReadOnlyRoot is readOnlyRootFilesystem: the container's root and its
	// /tmp are mounted read-only (volumes are not).
	ReadOnlyRoot bool
	// Capabilities, when set, is the mask of capabilities the process
	// keeps (bit n is capability n): the rest leave its bounding,
	// effective, permitted and inheritable sets before it execs. Nil keeps
	// every capability (a privileged container).
	Capabilities *uint64
	// Stdin, when set, is the read end of the container's stdin pipe
	// (stdin: true): the container's fd 0 in place of /dev/null. The
	// caller keeps the write end, and closes Stdin after the start.
	Stdin *os.File
	// TTY gives the container a terminal (tty: true) in place of Stdin,
	// stdout and stderr: its own devpts's pty, whose master the shim logs
	// as the run's stdout (LogTo is needed) and Process.Console returns.
	TTY bool
	// Stdout and Stderr receive the container's output.
	Stdout, Stderr io.Writer
	// LogTo, in place of Stdout and Stderr, is the run's log file (open
	// for appending): the pod's shim writes the container's output there
	// itself, in the CRI format, so that output survives the agent
	// (Sandbox.WritesLogs must be true). Process.Logged tells when all of
	// it is written.
	LogTo *os.File
	// Layers, when set, are the directories of the container's image, base
	// first, in overlayfs format (whiteouts are 0/0 character devices,
	// opaque directories have trusted.overlay.opaque=y): the container's
	// root is an overlay of them under a writable layer thrown away at
	// every start, with nothing of the host's in it (no host mounts, no
	// Runtime.Hide, the image's own /tmp and /run). Empty: the root is the
	// host's, read-only, under such a layer (see README.md).
	Layers []string
	// Mounts are bind-mounted into the container's root, in order.
	Mounts []Mount
	// Copies are host files (Source) copied to Target in the container's
	// writable layer before its volumes are mounted: the container may
	// move or change them, and each start gets them afresh.
	Copies []Mount
	// Cgroups are the cgroup directories (from Cgroups.Create) to run in.
	Cgroups []string
	// Hold, when set (from NewHold), makes the container a warm runner's
	// hold: its command runs only when the agent's Hold asks.
	Hold *os.File
	// Tag names the run to the pod's shim, unique within the pod; Meta is
	// kept with it and Keep (the agent's ends of the output pipes, at most
	// four) held open, all handed back by AdoptSandbox.
	Tag  string
	Meta []byte
	Keep []*os.File
	// Target, when set, is the process of the container whose PID
	// namespace this one joins (an ephemeral container's
	// targetContainerName), in a pod whose containers have one each.
	Target *Process
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
	if c.Target != nil && isDone(c.Target) {
		// Its PID may already belong to another process.
		return nil, &StartError{Msg: "the target container is not running"}
	}
	// Without a workingDir a container starts in "/", as an image without
	// WORKDIR does, never in the agent's own directory.
	workdir := c.WorkingDir
	if workdir == "" {
		workdir = "/"
	}
	args := r.execArgs(c, c.Sandbox.PID(), c.Sandbox.hostIPC, workdir)
	out, err := outputFiles(c.Stdout, c.Stderr)
	if err != nil {
		return nil, err
	}
	var log []*os.File
	if c.LogTo != nil {
		if !c.Sandbox.WritesLogs() {
			out.close()
			return nil, errors.New("the pod's shim does not write logs (protocol 1)")
		}
		if log, err = out.shimPipes(c.LogTo); err != nil {
			out.close()
			return nil, err
		}
		defer closeAll(log[1:]) // the shim has its copies
	}
	var console *os.File
	if c.TTY {
		if console, err = c.consoleSocket(log); err != nil {
			out.close()
			return nil, err
		}
		defer console.Close() // the container's end; the shim has its copy
	}
	status, err := newStatusPipe()
	if err != nil {
		out.close()
		return nil, err
	}
	child := []*os.File{out.stdout, out.stderr, status.w}
	if c.Hold != nil {
		child = append(child, c.Hold) // fd 4
	}
	if c.Stdin != nil {
		// child[i] is the process's fd i+1 (see ordo_shim_child).
		child = append(child, c.Stdin)
		args = append(args, flagStdinFD, strconv.Itoa(len(child)))
	}
	if console != nil {
		child = append(child, console)
		args = append(args, flagConsoleFD, strconv.Itoa(len(child)))
	}
	flags, pidNS, onExit := c.pidNamespace()
	tag := c.Tag
	if tag == "" {
		tag = "run-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	p, err := c.Sandbox.shim.spawn(r.agentBinary(), spawnRequest{
		tag: tag, cloneFlags: flags, pidNSOf: pidNS,
		argv: append(append(append([]string{r.Binary}, args...), flagEnd), c.Argv...),
		env:  c.Env, child: child, keep: c.Keep, meta: c.Meta, log: log, tty: c.TTY,
		onExit: onExit, drained: out.drained(),
	})
	out.close() // the agent's copies of the write ends
	if msg := status.result(err); err != nil {
		return nil, err
	} else if msg != "" {
		<-p.Done()
		return nil, &StartError{Msg: msg}
	}
	return p, nil
}

// execArgs are the flags of internal-exec (ordo_proto.h) for c, up to
// the descriptors: all but --stdin-fd and --console-fd.
func (r *Runtime) execArgs(c ContainerConfig, sandboxPID int, hostIPC bool, workdir string) []string {
	args := []string{cmdExec, flagSandboxPID, strconv.Itoa(sandboxPID), flagWorkdir, workdir}
	args = append(args, Credentials{UID: c.UID, GID: c.GID, Groups: c.Groups, NoNewPrivileges: c.NoNewPrivileges, Capabilities: c.Capabilities}.args()...)
	if c.ReadOnlyRoot {
		args = append(args, flagReadOnlyRoot)
	}
	if c.Hold != nil {
		args = append(args, flagHold)
	}
	if hostIPC {
		args = append(args, flagHostIPC)
	}
	if len(c.Layers) == 0 {
		for _, d := range r.Hide {
			args = append(args, flagHide, d)
		}
	}
	for _, d := range c.Layers {
		args = append(args, flagLayer, d)
	}
	for _, d := range c.Cgroups {
		args = append(args, flagCgroup, d)
	}
	for _, m := range c.Copies {
		args = append(args, flagCopy, m.Source, m.Target)
	}
	for _, m := range c.Mounts {
		mode := mountRW
		if m.ReadOnly {
			mode = mountRO
		}
		args = append(args, flagMount, resolved(m.Source), m.Target, mode)
	}
	return args
}

// consoleSocket checks that a terminal can be given (the shim writes the
// log and speaks protocol 3) and makes the socket on which the container
// sends its terminal's master to the shim: the shim's end replaces the
// stdout pipe's read end in log (the container's end of that pipe is
// replaced by the terminal), the container's is returned.
func (c *ContainerConfig) consoleSocket(log []*os.File) (*os.File, error) {
	c.Sandbox.shim.mu.Lock()
	version := c.Sandbox.shim.version
	c.Sandbox.shim.mu.Unlock()
	switch {
	case log == nil:
		return nil, errors.New("a terminal needs the shim to write the log")
	case version < 3:
		return nil, fmt.Errorf("the pod's shim does not give terminals (protocol %d)", version)
	case c.Hold != nil:
		return nil, errors.New("a warm runner's container cannot have a terminal")
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	log[1].Close()
	log[1] = os.NewFile(uintptr(fds[0]), "console-shim")
	return os.NewFile(uintptr(fds[1]), "console"), nil
}

// statusPipe is a start's status pipe: the child gets the write end as
// fd 3 and writes an error there if it fails before its exec; a clean
// close (on exec) means the final program is running.
type statusPipe struct{ r, w *os.File }

func newStatusPipe() (*statusPipe, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	return &statusPipe{r: r, w: w}, nil
}

// result closes the agent's write end and reads what the child reported,
// or nothing when the start itself failed (err).
func (s *statusPipe) result(err error) string {
	s.w.Close()
	defer s.r.Close()
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	_, _ = io.Copy(&buf, s.r)
	return buf.String()
}

// devNull is the output of processes nobody reads.
var devNull, _ = os.OpenFile(os.DevNull, os.O_RDWR, 0)

// output is a container's stdout and stderr as files: the caller's, or
// pipes copied into the caller's writers (a Process is done only once
// they are drained).
type output struct {
	stdout, stderr *os.File
	pipes          []*os.File // write ends to close once the child has them
	copied         sync.WaitGroup
	copiers        int // pipes copied into the caller's writers
}

func outputFiles(stdout, stderr io.Writer) (*output, error) {
	o := &output{}
	var err error
	if o.stdout, err = o.file(stdout); err == nil {
		o.stderr, err = o.file(stderr)
	}
	if err != nil {
		o.close()
	}
	return o, err
}

func (o *output) file(w io.Writer) (*os.File, error) {
	switch f := w.(type) {
	case nil:
		return devNull, nil
	case *os.File:
		return f, nil
	}
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	o.pipes = append(o.pipes, pw)
	o.copiers++
	o.copied.Add(1)
	go func() {
		defer o.copied.Done()
		defer r.Close()
		_, _ = io.Copy(w, r)
	}()
	return pw, nil
}

// shimPipes makes the stdout and stderr pipes whose read ends the shim
// copies into logTo, and returns logTo and those read ends. Each pipe
// holds up to logPipeBuffer bytes the shim has not read yet.
func (o *output) shimPipes(logTo *os.File) ([]*os.File, error) {
	log := []*os.File{logTo}
	for _, w := range []**os.File{&o.stdout, &o.stderr} {
		r, pw, err := os.Pipe()
		if err != nil {
			closeAll(log[1:])
			return nil, err
		}
		_, _ = unix.FcntlInt(pw.Fd(), unix.F_SETPIPE_SZ, logPipeBuffer)
		o.pipes = append(o.pipes, pw)
		*w = pw
		log = append(log, r)
	}
	return log, nil
}

// logPipeBuffer is the size of each output pipe the shim reads: room for
// bursts while the shim is busy with the pod's other pipes.
const logPipeBuffer = 1 << 20

func (o *output) close() {
	for _, p := range o.pipes {
		p.Close()
	}
}

// drained is what a process writing to o waits for before it is done:
// the copies of its pipes, if any.
func (o *output) drained() *sync.WaitGroup {
	if o.copiers == 0 {
		return nil
	}
	return &o.copied
}

// Process is a process a pod's shim started: a sandbox or a container.
type Process struct {
	pid     int
	done    chan struct{}
	exit    Exit
	onExit  func(pid int)
	once    sync.Once
	drained *sync.WaitGroup // output still being copied, if any
	logged  chan struct{}   // see Logged; nil when nothing is left to write
	// consoleSet is closed once console, the run's terminal master
	// (ContainerConfig.TTY), has come from the shim; nil without one.
	consoleSet chan struct{}
	console    *os.File
}

// setConsole records the terminal master the shim sent, once; it reports
// whether it took f.
func (p *Process) setConsole(f *os.File) bool {
	if p.consoleSet == nil || isClosed(p.consoleSet) {
		return false
	}
	p.console = f
	close(p.consoleSet)
	return true
}

// Console waits for the run's terminal master (ContainerConfig.TTY), into
// which a terminal's input is written and whose size is set: nil for a
// run with none, or one that ended before it had one. The caller must not
// close it.
func (p *Process) Console() *os.File {
	if p.consoleSet == nil {
		return nil
	}
	select {
	case <-p.consoleSet:
		return p.console
	case <-p.done:
	}
	if isClosed(p.consoleSet) {
		return p.console
	}
	return nil
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Exit is how a process ended.
type Exit struct {
	Code       int
	Signal     syscall.Signal
	FinishedAt time.Time
}

func newProcess(pid int, onExit func(int)) *Process {
	return &Process{pid: pid, done: make(chan struct{}), onExit: onExit}
}

// finish records the exit the shim reported; onExit, when set, runs
// before Done is closed.
func (p *Process) finish(ws syscall.WaitStatus, at time.Time) {
	p.once.Do(func() {
		p.exit = exitOf(ws, at)
		if p.onExit != nil {
			p.onExit(p.pid)
		}
		if p.drained == nil {
			close(p.done) // at once: AdoptSandbox tells exited records by Done
			return
		}
		go func() {
			p.drained.Wait()
			close(p.done)
		}()
	})
}

// leftovers is what to do when a container's command exits. In a PID
// namespace of its own, nothing: the kernel kills the rest of the namespace
// with its PID 1. Without one, its process group is killed, as runc kills a
// container's leftovers when the container has no PID namespace of its own.
// (Cgroups.Remove catches processes that left the group.)
func leftovers(mode PIDNamespace) func(int) {
	if mode == PIDPerContainer {
		return nil
	}
	return func(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
}

// exitOf maps a wait status to Kubernetes' exit code: the code, or
// 128+signal.
func exitOf(st syscall.WaitStatus, at time.Time) Exit {
	e := Exit{FinishedAt: at}
	if st.Signaled() {
		e.Signal = st.Signal()
		e.Code = 128 + int(st.Signal())
	} else {
		e.Code = st.ExitStatus()
	}
	return e
}

// exited reports whether the sandbox process is gone.
func (s *Sandbox) exited() bool { return isDone(s.proc) }

// PID is the process id in the agent's PID namespace.
func (p *Process) PID() int { return p.pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Logged is closed once the pod's shim has written all of the run's
// output to its log (ContainerConfig.LogTo), or is gone: the pipes have
// ended, so the log holds the whole output. For a run whose log the shim
// does not write it is closed already.
func (p *Process) Logged() <-chan struct{} {
	if p.logged == nil {
		return closedChan
	}
	return p.logged
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Exit is valid after Done is closed.
func (p *Process) Exit() Exit { return p.exit }

// Signal sends sig to the process's whole group.
func (p *Process) Signal(sig syscall.Signal) {
	if p.pid > 0 && !isDone(p) {
		_ = syscall.Kill(-p.pid, sig)
	}
}

// resolved is path with its symlinks resolved (as it is when it cannot
// be): the container start opens mount sources without following any.
func resolved(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}
