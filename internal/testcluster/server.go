package testcluster

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/ordo-dev/ordo/internal/hostclaim"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// readyLine is what `ordo server` prints on stderr once it serves.
const readyLine = "ordo: admin kubeconfig"

// Server is one running (or stopped) `ordo server` process.
type Server struct {
	Bin     string
	DataDir string
	Listen  string
	// ExtraArgs are appended to `ordo server`.
	ExtraArgs []string
	// Wrap, when set, is the command the server runs under, its binary
	// and arguments appended: `nsenter --target PID --net --mount --` runs
	// it inside a test machine's namespaces (package machines).
	Wrap []string
	// NodeName is the local agent's node: the test's --node-name, or one
	// unique to the server (see newServer).
	NodeName string
	// Bridge and PodCIDR are the server's own pod bridge and range.
	Bridge, PodCIDR string
	// ServiceInterface holds the server's ClusterIPs (its agent's proxy).
	ServiceInterface string
	// ServiceCIDR is the server's own Service range, so ClusterIPs of
	// servers running side by side never meet on the machine.
	ServiceCIDR string

	cmd      *exec.Cmd
	done     chan struct{} // closed when the process has exited and its log is flushed
	exitCode int           // the last run's, once done is closed (-1: killed by a signal)
	logFile  *os.File
	// reservation holds the port and ranges for the server's whole life
	// (reserve.go); RemoveBridge, the end of that life, releases it.
	reservation *hostclaim.Claims
}

// startAttempts bounds how often Start picks another port when the one it
// chose was taken before the server bound it: freePort must close its
// listener to hand the port over, and any process may get the same port as
// an ephemeral one in between.
const startAttempts = 5

// Start builds (if needed) and starts a server in dataDir on a free port.
func Start(dataDir string, extraArgs ...string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	return StartBinary(bin, dataDir, extraArgs...)
}

// StartBinary is Start with the ordo binary at bin.
func StartBinary(bin, dataDir string, extraArgs ...string) (*Server, error) {
	for attempt := 1; ; attempt++ {
		s, err := newServer(bin, dataDir, extraArgs)
		if err != nil {
			return nil, err
		}
		err = s.Restart()
		if err == nil {
			return s, nil
		}
		// The failed attempt's devices, if it got as far as making them,
		// and its reserved port and ranges go back.
		s.RemoveBridge()
		if attempt == startAttempts || !portTaken(err) {
			return s, err
		}
	}
}

// portTaken tells whether a server or agent failed to start because its
// listening port was taken, or a bridge, range or interface derived from
// the port is held by another ordo (another test package's server).
func portTaken(err error) bool {
	return strings.Contains(err.Error(), "address already in use") || strings.Contains(err.Error(), "is in use by another ordo")
}

// newServer describes a server on a port that is free now.
func newServer(bin, dataDir string, extraArgs []string) (*Server, error) {
	for attempt := 1; ; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		// Each server gets its own pod bridge and range, so servers of parallel
		// test packages never share addresses, and cleanup can find the bridge.
		cidr := fmt.Sprintf("10.%d.0.0/16", 100+port%100)
		svcCIDR := fmt.Sprintf("172.%d.%d.0/24", 16+port%16, (port/16)%256)
		res, err := reserve(port, cidr, svcCIDR)
		if reserved(err) && attempt < reserveAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		s := describeServer(bin, dataDir, extraArgs, port, cidr, svcCIDR)
		s.reservation = res
		return s, nil
	}
}

// describeServer is a server on port with the ranges reserved for it.
func describeServer(bin, dataDir string, extraArgs []string, port int, cidr, svcCIDR string) *Server {
	bridge, svcIface := fmt.Sprintf("ordo-t%d", port), fmt.Sprintf("ordo-s%d", port)
	// Test servers stop their pods when they stop, so a test leaves no
	// processes behind; a test of pods outliving the server passes
	// --stop-pods-on-exit=false, which comes later and wins.
	// A node name claims its cgroups machine-wide, so servers of tests
	// that run in parallel (and of other test packages, and any ordo on
	// the machine, whose default is the host name) need names of their
	// own; a test's --node-name comes later and wins.
	node := nodeNameIn(extraArgs, fmt.Sprintf("test-%d", port))
	args := append([]string{"--node-name", node, "--bridge", bridge, "--pod-cidr", cidr, "--service-interface", svcIface, "--service-cidr", svcCIDR,
		"--nodeport-addresses", "127.0.0.1", "--stop-pods-on-exit"}, extraArgs...)
	return &Server{Bin: bin, DataDir: dataDir, Listen: fmt.Sprintf("127.0.0.1:%d", port), ExtraArgs: args,
		NodeName: node, Bridge: bridge, PodCIDR: cidr, ServiceInterface: svcIface, ServiceCIDR: svcCIDR}
}

// nodeNameIn is the value of the last --node-name in args, or def.
func nodeNameIn(args []string, def string) string {
	name := def
	for i, a := range args {
		switch {
		case a == "--node-name" && i+1 < len(args):
			name = args[i+1]
		case strings.HasPrefix(a, "--node-name="):
			name = strings.TrimPrefix(a, "--node-name=")
		}
	}
	return name
}

// Kubeconfig is the admin kubeconfig the server wrote.
func (s *Server) Kubeconfig() string { return filepath.Join(s.DataDir, "kubeconfig.yaml") }

// LogPath is where the server's stderr goes.
func (s *Server) LogPath() string { return filepath.Join(s.DataDir, "server.log") }

// Restart starts the server process again (after Kill9 or Stop) and waits
// until it serves.
func (s *Server) Restart() error {
	if s.cmd != nil {
		return fmt.Errorf("server already running")
	}
	logFile, err := os.OpenFile(s.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		if err := os.MkdirAll(s.DataDir, 0o700); err != nil {
			return err
		}
		if logFile, err = os.OpenFile(s.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
			return err
		}
	}
	args := append([]string{"server", "--data-dir", s.DataDir, "--listen", s.Listen}, s.ExtraArgs...)
	cmd := wrapped(s.Wrap, s.Bin, args)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.logFile, s.done = cmd, logFile, make(chan struct{})
	ready, pumped := make(chan struct{}), make(chan struct{})
	go func() { s.pumpLog(stderr, ready, logFile); close(pumped) }()
	done := s.done
	go func() { <-pumped; _ = cmd.Wait(); s.exitCode = cmd.ProcessState.ExitCode(); close(done) }()
	select {
	case <-ready:
		return nil
	case <-s.done:
		s.cmd = nil
		return fmt.Errorf("ordo server exited before ready; log %s:\n%s", s.LogPath(), tail(s.LogPath()))
	case <-time.After(60 * time.Second):
		s.Kill9()
		return fmt.Errorf("ordo server not ready after 60s; log %s:\n%s", s.LogPath(), tail(s.LogPath()))
	}
}

func (s *Server) pumpLog(r io.Reader, ready chan struct{}, logFile *os.File) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	signalled := false
	for sc.Scan() {
		fmt.Fprintln(logFile, sc.Text())
		if !signalled && strings.HasPrefix(sc.Text(), readyLine) {
			signalled = true
			close(ready)
		}
	}
}

// Pid is the server's process id, 0 when stopped.
func (s *Server) Pid() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Kill9 kills the server's whole process group with SIGKILL and waits.
func (s *Server) Kill9() {
	s.signal(syscall.SIGKILL, 10*time.Second)
}

// Stop asks the server to shut down (SIGTERM) and waits; SIGKILL after 30 s.
func (s *Server) Stop() {
	if !s.signal(syscall.SIGTERM, 30*time.Second) {
		s.signal(syscall.SIGKILL, 10*time.Second)
	}
}

// Terminate sends SIGTERM and waits up to wait for the server to exit; it
// returns the exit code, or false if the server still runs.
func (s *Server) Terminate(wait time.Duration) (exitCode int, exited bool) {
	if !s.signal(syscall.SIGTERM, wait) {
		return 0, false
	}
	return s.exitCode, true
}

func (s *Server) signal(sig syscall.Signal, wait time.Duration) bool {
	if s.cmd == nil {
		return true
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, sig)
	select {
	case <-s.done:
		s.cmd = nil
		s.logFile.Close()
		return true
	case <-time.After(wait):
		return false
	}
}

// RESTConfig is a client-go configuration for the admin user.
func (s *Server) RESTConfig() (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig())
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	return cfg, nil
}

// Clientset is a typed client for the admin user.
func (s *Server) Clientset() (*kubernetes.Clientset, error) {
	cfg, err := s.RESTConfig()
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// Kubectl runs `ordo kubectl args...` with the admin kubeconfig and stdin,
// returning stdout, stderr and the error (non-nil on a non-zero exit).
func (s *Server) Kubectl(ctx context.Context, stdin string, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, s.Bin, append([]string{"kubectl"}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+s.Kubeconfig())
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// wrapped is the command that runs bin with args under wrap (none when
// wrap is empty).
func wrapped(wrap []string, bin string, args []string) *exec.Cmd {
	if len(wrap) == 0 {
		return exec.Command(bin, args...)
	}
	return exec.Command(wrap[0], append(append(append([]string{}, wrap[1:]...), bin), args...)...)
}

// FreePort is a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}

// StopPods ends the pods a stopped server left running (after Kill9, or a
// stop without --stop-pods-on-exit): it starts the server again with
// --stop-pods-on-exit, which adopts them, and stops it, which stops them.
// Whatever still runs then is ended through the shims; it returns how many
// shims that took, which a test should take as a leak.
func (s *Server) StopPods() int {
	if ShimCount(s.DataDir) > 0 && s.cmd == nil {
		args := s.ExtraArgs
		s.ExtraArgs = append(append([]string{}, args...), "--stop-pods-on-exit")
		if err := s.Restart(); err == nil {
			s.Stop()
		}
		s.ExtraArgs = args
	}
	return endShims(s.DataDir)
}

// RemoveBridge deletes the server's pod bridge and service interface,
// which a killed server leaves.
func (s *Server) RemoveBridge() {
	s.reservation.Release()
	for _, name := range []string{s.Bridge, s.ServiceInterface} {
		if name == "" {
			continue
		}
		if link, err := netlink.LinkByName(name); err == nil {
			_ = netlink.LinkDel(link)
		}
	}
}
