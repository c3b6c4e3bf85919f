package testcluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Agent is an `ordo agent` process joined to a Server, as a second node.
type Agent struct {
	NodeName, DataDir, Bridge string
	ServiceInterface          string
	// Wrap, when set, is the command the agent runs under (see
	// Server.Wrap).
	Wrap []string
	cmd  *exec.Cmd
	args []string
	bin  string
	done chan struct{}
}

// StartAgent joins a new agent named node to s and waits until its Node is
// Ready. It gets its own data directory, bridge and pod range. Like Start, it
// tries another port when the one it chose was taken meanwhile.
func (s *Server) StartAgent(dataDir, node string) (*Agent, error) {
	for attempt := 1; ; attempt++ {
		a, err := s.startAgent(dataDir, node)
		if err == nil || attempt == startAttempts || !portTaken(err) {
			return a, err
		}
		(&Server{Bridge: a.Bridge, ServiceInterface: a.ServiceInterface}).RemoveBridge()
	}
}

func (s *Server) startAgent(dataDir, node string) (*Agent, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	token, err := os.ReadFile(filepath.Join(s.DataDir, "pki", "agent-token"))
	if err != nil {
		return nil, err
	}
	a := &Agent{NodeName: node, DataDir: dataDir, Bridge: fmt.Sprintf("ordo-a%d", port),
		ServiceInterface: fmt.Sprintf("ordo-b%d", port), bin: s.Bin}
	a.args = []string{"agent", "--server", "https://" + s.Listen, "--token", strings.TrimSpace(string(token)),
		"--ca-cert", filepath.Join(s.DataDir, "pki", "ca.crt"), "--data-dir", dataDir, "--node-name", node,
		"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--bridge", a.Bridge,
		"--service-interface", a.ServiceInterface, "--nodeport-addresses", "127.0.0.1", "--stop-pods-on-exit",
		"--pod-cidr", fmt.Sprintf("10.%d.0.0/16", 200+port%50)}
	return a, a.Restart(s)
}

// NewAgent describes an agent that runs `ordo agent args...` with bin and
// keeps its data in dataDir (for the sweep of its pods); args name the
// server, token and everything else. Start it with Restart.
func NewAgent(bin, dataDir, node string, args []string) *Agent {
	return &Agent{NodeName: node, DataDir: dataDir, bin: bin, args: append([]string{"agent"}, args...)}
}

// LogPath is the file the agent's output goes to, in its data directory:
// a file, not memory, because an agent may print for as long as its test
// runs.
func (a *Agent) LogPath() string { return filepath.Join(a.DataDir, "agent.log") }

// Log is the end of what the agent printed so far.
func (a *Agent) Log() string { return tail(a.LogPath()) }

// Restart starts the agent process (again, after Kill9) and waits until
// its Node is Ready.
func (a *Agent) Restart(s *Server) error {
	if err := os.MkdirAll(a.DataDir, 0o700); err != nil {
		return err
	}
	logFile, err := os.OpenFile(a.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	// The child holds its own descriptor; ours is not needed once it runs.
	defer logFile.Close()
	a.cmd = wrapped(a.Wrap, a.bin, a.args)
	a.done = make(chan struct{})
	a.cmd.Stdout, a.cmd.Stderr = logFile, logFile
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := a.cmd.Start(); err != nil {
		return err
	}
	cmd, done := a.cmd, a.done
	go func() { _ = cmd.Wait(); close(done) }()
	return a.waitReady(s)
}

// Kill9 kills the agent's process group with SIGKILL and waits; its pods
// live on, in their shims.
func (a *Agent) Kill9() {
	_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
	<-a.done
}

// NodeReady says whether n's Ready condition is True (the kubelet lists
// it after the pressure conditions).
func NodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func (a *Agent) waitReady(s *Server) error {
	cs, err := s.Clientset()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), a.NodeName, metav1.GetOptions{})
		if err == nil && NodeReady(n) {
			return nil
		}
		select {
		case <-a.done:
			return fmt.Errorf("ordo agent exited; log %s:\n%s", a.LogPath(), a.Log())
		case <-time.After(200 * time.Millisecond):
		}
	}
	a.Stop()
	return fmt.Errorf("node %s not Ready after 60s; log %s:\n%s", a.NodeName, a.LogPath(), a.Log())
}

// Stop ends the agent (SIGTERM, SIGKILL after 30 s) and removes its bridge.
func (a *Agent) Stop() {
	_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
		<-a.done
	}
	endShims(a.DataDir)
	(&Server{Bridge: a.Bridge, ServiceInterface: a.ServiceInterface}).RemoveBridge()
}

// Pause stops the agent process (SIGSTOP), as a hung or cut-off agent: its
// pods' processes go on, its heartbeats stop.
func (a *Agent) Pause() { _ = syscall.Kill(a.cmd.Process.Pid, syscall.SIGSTOP) }

// Resume lets a paused agent go on (SIGCONT).
func (a *Agent) Resume() { _ = syscall.Kill(a.cmd.Process.Pid, syscall.SIGCONT) }
