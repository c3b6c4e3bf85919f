package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The shim's protocol (its messages and versions) is described in
// ordo_proto.h (ORDO_SHIM_*). A shim says its version at the end of every
// "list"; a newer agent reads older shims' replies (fields are only ever
// appended), and refuses a shim newer than itself (shimVersion), whose pod
// it then cannot adopt. Under a protocol 1 shim (a pod an older ordo
// started) the agent still copies the pipes, whose read ends the shim
// keeps for it (Sandbox.WritesLogs).

// shim is the agent's connection to one pod's shim process (shim.c),
// the parent of the pod's sandbox and containers. The shim outlives the
// agent: it keeps its children's exit statuses until an agent connects
// again, and writes their logs meanwhile.
type shim struct {
	conn *net.UnixConn
	// dir is a temporary directory for the socket, removed at exit, when
	// the caller gave no socket path.
	dir string

	mu     sync.Mutex
	spawns map[string]chan spawnReply
	procs  map[string]*Process // live children, by tag
	listed chan listed         // the reply to "list" being read
	gone   chan struct{}       // closed when the connection ends
	// pid is the shim's process: the one the agent started, or as a
	// "list" says (the socket's peer credentials name the agent that
	// listened, not the shim).
	pid int
	// version is the protocol the shim speaks: this build's for a shim
	// it started, as "list" says for one it adopted.
	version int
	// logging are the runs whose output the shim is still writing to
	// their logs, by tag.
	logging map[string]*Process
}

type spawnReply struct {
	pid int
	err error
}

// Child is a process a shim started, as found when an agent connects
// again (AdoptSandbox).
type Child struct {
	Tag  string
	Meta []byte
	// Proc is the process; Done is already closed if it exited while no
	// agent was connected.
	Proc *Process
	// Files are the descriptors given as ContainerConfig.Keep at its
	// start: the agent's ends of its output pipes.
	Files []*os.File
}

type listed struct {
	children []Child
	version  int
}

// shortPath names path through an open directory descriptor, so that a
// socket deep in a data directory fits in sun_path's 108 bytes. The caller
// closes dir after using the name.
func shortPath(path string) (string, *os.File, error) {
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("/proc/self/fd/%d/%s", dir.Fd(), filepath.Base(path)), dir, nil
}

// startShim starts a shim listening at socket (a fresh temporary one when
// empty) and connects to it. The shim runs in its own session, with no
// parent-death signal: it must outlive the agent.
func (r *Runtime) startShim(socket string) (*shim, error) {
	tmp := ""
	if socket == "" {
		dir, err := os.MkdirTemp("", "ordo-shim-")
		if err != nil {
			return nil, err
		}
		tmp, socket = dir, filepath.Join(dir, "shim.sock")
	}
	s, err := r.launchShim(socket)
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, err
	}
	s.dir = tmp
	return s, nil
}

func (r *Runtime) launchShim(socket string) (*shim, error) {
	name, dir, err := shortPath(socket)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	_ = os.Remove(socket)
	l, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: name, Net: "unixpacket"})
	if err != nil {
		return nil, fmt.Errorf("shim socket: %w", err)
	}
	l.SetUnlinkOnClose(false) // the socket is the shim's now
	lf, err := l.File()
	l.Close()
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	// The socket's path in argv says which pod a shim serves (ps, and the
	// test suite's sweep of a data directory).
	cmd := exec.Command(r.agentBinary(), cmdShim, socket)
	cmd.Args[0] = r.Binary // for ps, not /proc/<agent pid>/exe
	if exe, err := os.Executable(); err == nil && strings.HasPrefix(r.Binary, "/proc/self/") {
		cmd.Args[0] = exe
	}
	cmd.Env = []string{envShim + "=1"}
	cmd.ExtraFiles = []*os.File{lf}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start shim: %w", err)
	}
	go func() { _ = cmd.Wait() }() // the agent reaps the shims it started while it lives
	s, err := dialShim(socket)
	if err == nil {
		s.mu.Lock()
		s.pid = cmd.Process.Pid
		s.mu.Unlock()
	}
	return s, err
}

// agentBinary is the ordo binary to execute. /proc/self/exe is taken as the
// agent's own, /proc/<agent pid>/exe: the shim executes it while the agent
// lives, so a shim started before an upgrade still starts the agent's
// binary, not its own.
func (r *Runtime) agentBinary() string {
	if rest, ok := strings.CutPrefix(r.Binary, "/proc/self/"); ok {
		return fmt.Sprintf("/proc/%d/%s", os.Getpid(), rest)
	}
	return r.Binary
}

// dialShim connects to the shim listening at socket.
func dialShim(socket string) (*shim, error) {
	name, dir, err := shortPath(socket)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	conn, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: name, Net: "unixpacket"})
	if err != nil {
		return nil, fmt.Errorf("connect to shim: %w", err)
	}
	s := &shim{conn: conn, spawns: map[string]chan spawnReply{}, procs: map[string]*Process{},
		logging: map[string]*Process{}, gone: make(chan struct{}), version: shimVersion}
	go s.read()
	return s, nil
}

// spawnRequest is one process for the shim to start.
type spawnRequest struct {
	tag        string
	cloneFlags uintptr
	pidNSOf    int // join the PID namespace of this process; 0: none
	argv, env  []string
	child      []*os.File // the child's fds 1, 2, 3 …
	keep       []*os.File
	// log, when set, is the run's log file and its stdout's and stderr's
	// read ends: the shim writes the log (protocol 2).
	log []*os.File
	// tty says log's stdout is the console socket on which the container
	// sends its terminal's master (protocol 3).
	tty     bool
	meta    []byte
	onExit  func(pid int)
	drained *sync.WaitGroup // see Process.drained
}

func (s *shim) spawn(path string, q spawnRequest) (*Process, error) {
	if len(q.child)+len(q.log)+len(q.keep) > shimMaxFDs {
		return nil, errors.New("shim: too many descriptors")
	}
	fields, fds := spawnMessage(path, q)
	reply := make(chan spawnReply, 1)
	p := newProcess(0, q.onExit)
	p.drained = q.drained
	if q.tty {
		p.consoleSet = make(chan struct{})
	}
	s.mu.Lock()
	s.spawns[q.tag] = reply
	s.procs[q.tag] = p
	if len(q.log) == 3 {
		p.logged = make(chan struct{})
		s.logging[q.tag] = p
	}
	s.mu.Unlock()
	defer func() { s.mu.Lock(); delete(s.spawns, q.tag); s.mu.Unlock() }()
	if err := s.send(fields, fds); err != nil {
		s.drop(q.tag)
		return nil, err
	}
	select {
	case r := <-reply:
		if r.err != nil {
			s.drop(q.tag)
			return nil, r.err
		}
		return p, nil
	case <-s.gone:
		return nil, errors.New("the pod's shim is gone")
	}
}

// spawnMessage is the "spawn" message for q (ORDO_SHIM_SPAWN) and the
// descriptors that go with it.
func spawnMessage(path string, q spawnRequest) ([]string, []int) {
	fields := []string{shimSpawn, q.tag, strconv.FormatUint(uint64(q.cloneFlags), 10), strconv.Itoa(q.pidNSOf),
		strconv.Itoa(len(q.child)), path, strconv.Itoa(len(q.argv))}
	fields = append(fields, q.argv...)
	fields = append(fields, strconv.Itoa(len(q.env)))
	fields = append(fields, q.env...)
	fields = append(fields, string(q.meta))
	fds := []int{}
	for _, f := range q.child {
		fds = append(fds, int(f.Fd()))
	}
	if len(q.log) == 3 {
		fields = append(fields, map[bool]string{false: shimLogPipes, true: shimLogTTY}[q.tty])
		for _, f := range q.log {
			fds = append(fds, int(f.Fd()))
		}
	}
	for _, f := range q.keep {
		fds = append(fds, int(f.Fd()))
	}
	return fields, fds
}

func (s *shim) drop(tag string) {
	s.mu.Lock()
	delete(s.procs, tag)
	delete(s.logging, tag)
	s.mu.Unlock()
}

// logDone records that the shim has written all of run tag's output.
func (s *shim) logDone(tag string) {
	s.mu.Lock()
	p := s.logging[tag]
	delete(s.logging, tag)
	s.mu.Unlock()
	if p != nil {
		close(p.logged)
	}
}

func (s *shim) send(fields []string, fds []int) error {
	msg := encodeMessage(fields)
	var oob []byte
	if len(fds) > 0 {
		oob = syscall.UnixRights(fds...)
	}
	if _, _, err := s.conn.WriteMsgUnix(msg, oob, nil); err != nil {
		return fmt.Errorf("shim: %w", err)
	}
	return nil
}

// list asks for every record the shim keeps.
func (s *shim) list() (listed, error) {
	ch := make(chan listed, 1)
	s.mu.Lock()
	s.listed = ch
	s.mu.Unlock()
	if err := s.send([]string{shimList}, nil); err != nil {
		return listed{}, err
	}
	select {
	case l := <-ch:
		return l, nil
	case <-s.gone:
		return listed{}, errors.New("the pod's shim is gone")
	case <-time.After(10 * time.Second):
		return listed{}, errors.New("the pod's shim did not answer")
	}
}

// forget drops an exited child's record, and the shim's copies of its
// pipes.
func (s *shim) forget(tag string) { _ = s.send([]string{shimForget, tag}, nil) }

// exit asks the shim to kill everything it started and end, and waits
// until its process has ended: its socket then no longer answers.
func (s *shim) exit() {
	if s.send([]string{shimExit}, nil) == nil {
		select {
		case <-s.gone:
			s.mu.Lock()
			pid := s.pid
			s.mu.Unlock()
			waitExited(pid, 10*time.Second)
		case <-time.After(10 * time.Second):
		}
	}
	s.conn.Close()
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// read dispatches the shim's messages until the connection ends. If the
// shim died, so did its children (their parent-death signal): each is
// reported killed.
func (s *shim) read() {
	var pending []Child
	defer func() {
		s.mu.Lock()
		procs, logging := s.procs, s.logging
		s.procs, s.logging = map[string]*Process{}, map[string]*Process{}
		s.mu.Unlock()
		close(s.gone)
		for _, p := range procs {
			p.finish(syscall.WaitStatus(syscall.SIGKILL), time.Now())
		}
		for _, p := range logging {
			close(p.logged) // no one writes the log any more
		}
		for _, c := range pending {
			closeAll(c.Files)
		}
	}()
	for {
		f, files, err := s.receive()
		if err != nil {
			return
		}
		switch {
		case len(f) >= 3 && f[0] == shimSpawned:
			pid, _ := strconv.Atoi(f[2])
			s.mu.Lock()
			if p := s.procs[f[1]]; p != nil {
				p.pid = pid
			}
			if ch := s.spawns[f[1]]; ch != nil {
				ch <- spawnReply{pid: pid}
			}
			s.mu.Unlock()
		case len(f) >= 3 && f[0] == shimFailed:
			errno, _ := strconv.Atoi(f[2])
			s.mu.Lock()
			if ch := s.spawns[f[1]]; ch != nil {
				ch <- spawnReply{err: fmt.Errorf("shim: start process: %w", syscall.Errno(errno))}
			}
			s.mu.Unlock()
		case len(f) >= 5 && f[0] == shimExited:
			s.exited(f[1], f[3], f[4])
		case len(f) >= 2 && f[0] == shimConsole && len(files) > 0:
			s.mu.Lock()
			p := s.procs[f[1]]
			s.mu.Unlock()
			if p != nil && p.setConsole(files[0]) {
				files = files[1:]
			}
		case len(f) >= 2 && f[0] == shimDrained:
			s.logDone(f[1])
		case len(f) >= 7 && f[0] == shimChild:
			pending = append(pending, s.child(f, files))
			files = nil
		case len(f) >= 2 && f[0] == shimEnd:
			v, _ := strconv.Atoi(f[1])
			s.mu.Lock()
			if len(f) >= 3 {
				s.pid, _ = strconv.Atoi(f[2])
			}
			s.version = v
			if s.listed != nil {
				s.listed <- listed{children: pending, version: v}
				s.listed = nil
			}
			s.mu.Unlock()
			pending = nil
		}
		closeAll(files)
	}
}

func (s *shim) exited(tag, status, finished string) {
	ws, _ := strconv.Atoi(status)
	ns, _ := strconv.ParseInt(finished, 10, 64)
	s.mu.Lock()
	p := s.procs[tag]
	delete(s.procs, tag)
	s.mu.Unlock()
	if p != nil {
		p.finish(syscall.WaitStatus(ws), time.Unix(0, ns))
	}
}

// child turns a "child" record into a Child, registering a live one so
// that its exit is reported, and one whose log the shim still writes so
// that its "drained" is.
func (s *shim) child(f []string, files []*os.File) Child {
	pid, _ := strconv.Atoi(f[2])
	ws, _ := strconv.Atoi(f[4])
	ns, _ := strconv.ParseInt(f[5], 10, 64)
	p := newProcess(pid, nil)
	s.mu.Lock()
	if f[3] == "1" {
		s.procs[f[1]] = p
	}
	if len(f) >= 8 && f[7] == "0" { // DRAINED (protocol 2): the shim still writes its log
		p.logged = make(chan struct{})
		s.logging[f[1]] = p
	}
	s.mu.Unlock()
	if f[3] != "1" {
		p.finish(syscall.WaitStatus(ws), time.Unix(0, ns))
	}
	return Child{Tag: f[1], Meta: []byte(f[6]), Proc: p, Files: files}
}

// receive reads one message: its NUL-separated fields and the descriptors
// it carries.
func (s *shim) receive() ([]string, []*os.File, error) {
	raw, err := s.conn.SyscallConn()
	if err != nil {
		return nil, nil, err
	}
	var (
		buf, oob []byte
		n, oobn  int
		rerr     error
	)
	err = raw.Read(func(fd uintptr) bool {
		size, _, e := unix.Recvfrom(int(fd), nil, unix.MSG_PEEK|unix.MSG_TRUNC)
		if e == unix.EAGAIN {
			return false
		}
		if e != nil || size <= 0 {
			rerr = errors.New("shim connection closed")
			return true
		}
		buf, oob = make([]byte, size), make([]byte, unix.CmsgSpace(shimMaxFDs*4))
		n, oobn, _, _, e = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
		if e == unix.EAGAIN {
			return false
		}
		rerr = e
		return true
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return nil, nil, err
	}
	var files []*os.File
	if msgs, perr := unix.ParseSocketControlMessage(oob[:oobn]); perr == nil {
		for _, m := range msgs {
			fds, _ := unix.ParseUnixRights(&m)
			for _, fd := range fds {
				files = append(files, os.NewFile(uintptr(fd), "shim-kept"))
			}
		}
	}
	return decodeMessage(buf[:n]), files, nil
}

// encodeMessage is a shim message of fields: each a NUL-terminated
// string.
func encodeMessage(fields []string) []byte {
	return []byte(strings.Join(fields, "\x00") + "\x00")
}

// decodeMessage splits a shim message into its fields.
func decodeMessage(msg []byte) []string {
	return strings.Split(strings.TrimSuffix(string(msg), "\x00"), "\x00")
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// waitExited waits up to limit until process pid has exited: it is gone,
// or a zombie (an adopted shim's parent is init, or a subreaper, which may
// not reap at once).
func waitExited(pid int, limit time.Duration) {
	if pid <= 0 {
		return
	}
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return
		}
		if i := bytes.LastIndexByte(data, ')'); i > 0 && len(data) > i+2 && data[i+2] == 'Z' {
			return
		}
	}
}
