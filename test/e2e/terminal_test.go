package e2e

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	corev1 "k8s.io/api/core/v1"
)

// TestKubectlExecTerminalIsAWholeTerminal drives `kubectl exec -it` on a
// terminal of the test's own, as a user's shell does: the command's
// terminal is a /dev/pts of the container's and its controlling terminal
// (an interactive bash gets job control), TERM is xterm, HOME is root's
// home from the container's passwd, and the terminal has the user's size.
// Not parallel: it reads the terminal's size as the shell prints it right after kubectl sets it, which the load of tests beside it delayed past the read.
func TestKubectlExecTerminalIsAWholeTerminal(t *testing.T) {
	c, cs, _ := startWithAgent(t)
	c.Run("run", "box", "--image=busybox", "--command", "--", "sleep", "3600")
	waitPhase(t, cs, "box", corev1.PodRunning)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, "kubectl", "exec", "-it", "box", "--", "bash", "-i")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig(), "TERM=dumb")
	term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 33, Cols: 101})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() { _, _ = io.Copy(&out, term); close(done) }()
	// Quoted so that the typed line, echoed back, never reads as output.
	io.WriteString(term, `tty; echo "T""ERM=$TERM HOME=$HOME"; echo "S""IZE=$(stty size)"; exit`+"\n")
	if err := cmd.Wait(); err != nil {
		t.Errorf("kubectl exec -it: %v", err)
	}
	term.Close()
	<-done
	got := out.String()
	for _, want := range []string{"/dev/pts/", "TERM=xterm HOME=/root", "SIZE=33 101"} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q in the terminal's output:\n%s", want, got)
		}
	}
	for _, bad := range []string{"not a tty", "cannot set terminal process group", "cannot set tty process group", "no job control"} {
		if strings.Contains(strings.ToLower(got), bad) {
			t.Errorf("%q in the terminal's output:\n%s", bad, got)
		}
	}
}
