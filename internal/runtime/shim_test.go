package runtime

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An agent that goes away (its connection to the shim closes, as when it
// is killed) leaves the pod running; the next one adopts the sandbox and
// its runs: the live container with its PID, record and log pipe (what it
// wrote meanwhile still readable), and the exit another made while no
// agent was there, with its code and time.
func TestShimKeepsThePodForTheNextAgent(t *testing.T) {
	r := testRuntime(t)
	cfg := SandboxConfig{Hostname: "adopted", ShimSocket: filepath.Join(t.TempDir(), "shim.sock")}
	sb, err := r.StartSandbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	liveR, liveW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	live, err := r.StartContainer(ContainerConfig{Sandbox: sb, Tag: "c/live/0", Meta: []byte("live-meta"), Keep: []*os.File{liveR},
		Argv: []string{"sh", "-c", "echo before; sleep 1; echo while-away; exec sleep 60"}, Env: []string{"PATH=/usr/bin:/bin"},
		Stdout: liveW, Stderr: liveW})
	if err != nil {
		t.Fatal(err)
	}
	liveW.Close()
	quitR, quitW, _ := os.Pipe()
	quit, err := r.StartContainer(ContainerConfig{Sandbox: sb, Tag: "c/quit/0", Meta: []byte("quit-meta"), Keep: []*os.File{quitR},
		Argv: []string{"sh", "-c", "sleep 1; exit 7"}, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: quitW, Stderr: quitW})
	if err != nil {
		t.Fatal(err)
	}
	quitW.Close()
	quitR.Close()
	first := bufio.NewReader(liveR)
	if line, _ := first.ReadString('\n'); line != "before\n" {
		t.Fatalf("first line %q", line)
	}
	liveR.Close() // the agent's copy; the shim holds its own
	sandboxPID, livePID, quitPID := sb.PID(), live.PID(), quit.PID()
	sb.shim.conn.Close() // the agent dies
	left := time.Now()
	time.Sleep(2 * time.Second)

	adopted, children, err := r.AdoptSandbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer adopted.Stop()
	if adopted.PID() != sandboxPID {
		t.Errorf("sandbox pid %d, was %d", adopted.PID(), sandboxPID)
	}
	byTag := map[string]Child{}
	for _, ch := range children {
		byTag[ch.Tag] = ch
	}
	if len(byTag) != 2 {
		t.Fatalf("children %+v", children)
	}
	l := byTag["c/live/0"]
	if l.Proc.PID() != livePID || string(l.Meta) != "live-meta" || isDone(l.Proc) || len(l.Files) != 1 {
		t.Fatalf("live run adopted as pid %d meta %q done %v files %d", l.Proc.PID(), l.Meta, isDone(l.Proc), len(l.Files))
	}
	if line, _ := bufio.NewReader(l.Files[0]).ReadString('\n'); line != "while-away\n" {
		t.Errorf("line written while no agent was there: %q", line)
	}
	q := byTag["c/quit/0"]
	if !isDone(q.Proc) || q.Proc.PID() != quitPID || q.Proc.Exit().Code != 7 || string(q.Meta) != "quit-meta" {
		t.Errorf("quit run: pid %d done %v exit %+v meta %q", q.Proc.PID(), isDone(q.Proc), q.Proc.Exit(), q.Meta)
	}
	if at := q.Proc.Exit().FinishedAt; at.Before(left) || at.After(time.Now()) {
		t.Errorf("quit run finished at %s, want after %s", at, left)
	}
	// The adopted run is the agent's again: it can be signalled and waited.
	l.Proc.Signal(syscall.SIGKILL) // PID 1 of its namespace: TERM is ignored
	select {
	case <-l.Proc.Done():
		if e := l.Proc.Exit(); e.Code != 137 {
			t.Errorf("adopted run exit %+v, want 137", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("adopted run did not exit on SIGKILL")
	}
}

// A shim whose sandbox died is not adopted: it is ended with what it ran.
func TestShimWithoutItsSandboxIsEnded(t *testing.T) {
	r := testRuntime(t)
	cfg := SandboxConfig{Hostname: "orphan", ShimSocket: filepath.Join(t.TempDir(), "shim.sock")}
	sb, err := r.StartSandbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sb.shim.conn.Close()
	_ = syscall.Kill(sb.PID(), syscall.SIGKILL)
	waitExited(sb.PID(), 10*time.Second)
	if sb2, ch, err := r.AdoptSandbox(cfg); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("adopt a pod without its sandbox (pid %d): %v %+v %+v", sb.PID(), err, sb2.proc, ch)
	}
	if EndShim(cfg.ShimSocket) {
		t.Error("the shim still answers after a refused adoption")
	}
}

// A shim writes the log of a run started with LogTo itself, in the CRI
// format, with or without an agent connected: lines longer than 16 KiB
// split into P parts, the last bytes without a newline as P, and Logged
// closed once the pipes have ended.
func TestShimWritesTheLog(t *testing.T) {
	r := testRuntime(t)
	cfg := SandboxConfig{Hostname: "logged", ShimSocket: filepath.Join(t.TempDir(), "shim.sock")}
	sb, err := r.StartSandbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !sb.WritesLogs() {
		t.Fatal("a new shim does not write logs")
	}
	path := filepath.Join(t.TempDir(), "0.log")
	logTo, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	proc, err := r.StartContainer(ContainerConfig{Sandbox: sb, Tag: "c/logged/0", LogTo: logTo, Env: []string{"PATH=/usr/bin:/bin"},
		Argv: []string{"sh", "-c", "echo before; echo while-away; echo oops >&2; head -c 20000 /dev/zero | tr '\\0' x; echo; printf tail"}})
	logTo.Close()
	if err != nil {
		t.Fatal(err)
	}
	sb.shim.conn.Close() // the agent dies
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(readFile(t, path), "P tail\n") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	adopted, children, err := r.AdoptSandbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer adopted.Stop()
	if len(children) != 1 || children[0].Proc.PID() != proc.PID() || len(children[0].Files) != 0 {
		t.Fatalf("children %+v", children)
	}
	select {
	case <-children[0].Proc.Logged():
	case <-time.After(10 * time.Second):
		t.Fatal("the run's log is not reported written")
	}
	want := []string{"stdout F before", "stdout F while-away", "stderr F oops",
		"stdout P " + strings.Repeat("x", 16384), "stdout F " + strings.Repeat("x", 20000-16384), "stdout P tail"}
	lines := strings.Split(strings.TrimSuffix(readFile(t, path), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("log has %d lines, want %d:\n%s", len(lines), len(want), readFile(t, path))
	}
	for i, l := range lines {
		at, rest, _ := strings.Cut(l, " ")
		if _, err := time.Parse(time.RFC3339Nano, at); err != nil || !strings.HasSuffix(at, "Z") {
			t.Errorf("line %d: time %q: %v", i, at, err)
		}
		if rest != want[i] {
			t.Errorf("line %d is %.40q…, want %.40q…", i, rest, want[i])
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
