package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestTTYGivesATerminal: a container started with TTY (tty: true) has a
// terminal of its own devpts as stdin, stdout and stderr; what it prints
// there is in the run's log as stdout, and the master Console returns
// takes input and sets the terminal's size.
func TestTTYGivesATerminal(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "tty", ShimSocket: filepath.Join(t.TempDir(), "shim.sock")})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	path := filepath.Join(t.TempDir(), "0.log")
	logTo, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	proc, err := r.StartContainer(ContainerConfig{Sandbox: sb, Tag: "c/tty/0", LogTo: logTo, TTY: true,
		Env:  []string{"PATH=/usr/bin:/bin"},
		Argv: []string{"sh", "-c", `tty; [ -t 0 ] && echo stdin-is-a-tty; echo "term=$TERM"; read line; stty size; echo "got $line"`}})
	logTo.Close()
	if err != nil {
		t.Fatal(err)
	}
	console := proc.Console()
	if console == nil {
		t.Fatal("no terminal master for a TTY run")
	}
	if err := unix.IoctlSetWinsize(int(console.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 31, Col: 101}); err != nil {
		t.Fatal(err)
	}
	if _, err := console.WriteString("hello\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-proc.Logged():
	case <-time.After(30 * time.Second):
		t.Fatal("the run's log is not reported written")
	}
	<-proc.Done()
	log := readFile(t, path)
	for _, want := range []string{"stdout F /dev/pts/0\r", "stdout F stdin-is-a-tty\r", "stdout F term=xterm\r",
		"stdout F 31 101\r", "stdout F got hello\r"} {
		if !strings.Contains(log, want+"\n") {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if code := proc.Exit().Code; code != 0 {
		t.Errorf("exit code %d", code)
	}
}

// TestTTYMasterSurvivesAdoption: the shim keeps a copy of a run's
// terminal master with its descriptors, so the next agent types into the
// same terminal.
func TestTTYMasterSurvivesAdoption(t *testing.T) {
	r := testRuntime(t)
	cfg := SandboxConfig{Hostname: "tty-adopt", ShimSocket: filepath.Join(t.TempDir(), "shim.sock")}
	sb, err := r.StartSandbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "0.log")
	logTo, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	proc, err := r.StartContainer(ContainerConfig{Sandbox: sb, Tag: "c/tty/0", LogTo: logTo, TTY: true,
		Env: []string{"PATH=/usr/bin:/bin"}, Argv: []string{"sh", "-c", `read line; echo "got $line"`}})
	logTo.Close()
	if err != nil {
		sb.Stop()
		t.Fatal(err)
	}
	if proc.Console() == nil {
		sb.Stop()
		t.Fatal("no terminal master for a TTY run")
	}
	sb.shim.conn.Close() // the agent dies

	adopted, children, err := r.AdoptSandbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer adopted.Stop()
	if len(children) != 1 || len(children[0].Files) != 1 {
		t.Fatalf("children %+v", children)
	}
	master := children[0].Files[0]
	defer master.Close()
	if _, err := master.WriteString("after\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-children[0].Proc.Logged():
	case <-time.After(30 * time.Second):
		t.Fatal("the run's log is not reported written")
	}
	if log := readFile(t, path); !strings.Contains(log, "stdout F got after\r\n") {
		t.Errorf("log:\n%s", log)
	}
}
