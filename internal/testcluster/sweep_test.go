package testcluster

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeShim starts a process whose command line is a pod shim's, `ordo
// internal-shim SOCKET`: sh running a script named internal-shim that
// blocks reading a pipe the test holds. It is killed at the end of the
// test if the sweep did not.
func fakeShim(t *testing.T, socket string) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "internal-shim"), []byte("read x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := &exec.Cmd{Path: "/bin/sh", Args: []string{"ordo", "internal-shim", socket}, Dir: dir}
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	waitUntil(t, "the fake shim runs", func() bool { return shimSockets(filepath.Dir(socket))[cmd.Process.Pid] == socket })
	return cmd
}

// alive reports whether the process runs: it exists and is not a zombie
// waiting to be reaped.
func alive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// waitUntil polls cond for up to a minute (a bound, not a timing
// assertion), failing the test if it never holds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// TestSweepEndsOnlyTheRunsOwnShims: make test's final sweep
// (hack/sweep-test-processes.sh) kills and reports the shims a test run left
// under its own root, failing the run, and leaves alone a shim under
// another directory of the same TMPDIR, as another ordo's or another test
// run's would be; with nothing left, it passes.
func TestSweepEndsOnlyTheRunsOwnShims(t *testing.T) {
	sweep, err := filepath.Abs("../../hack/sweep-test-processes.sh")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	root, other := filepath.Join(tmp, "run"), filepath.Join(tmp, "other")
	for _, d := range []string{root, other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mine := fakeShim(t, filepath.Join(root, "pods", "a", "shim.sock"))
	theirs := fakeShim(t, filepath.Join(other, "shim.sock"))

	out, err := exec.Command(sweep, root).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("sweep with a leaked shim: %v, want exit status 1\n%s", err, out)
	}
	if !strings.Contains(string(out), "pid "+strconv.Itoa(mine.Process.Pid)+" ") || strings.Contains(string(out), "pid "+strconv.Itoa(theirs.Process.Pid)+" ") {
		t.Errorf("sweep's report names the wrong processes (leaked %d, other %d):\n%s", mine.Process.Pid, theirs.Process.Pid, out)
	}
	waitUntil(t, "the leaked shim is gone", func() bool { return !alive(mine.Process.Pid) })
	if !alive(theirs.Process.Pid) {
		t.Errorf("the sweep of %s killed a shim under %s", root, other)
	}
	if out, err := exec.Command(sweep, root).CombinedOutput(); err != nil {
		t.Errorf("sweep with nothing left: %v\n%s", err, out)
	}
}
