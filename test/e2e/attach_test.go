package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/creack/pty"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// startAttachCluster is a server with its agent on a node of its own name
// (testcluster's test-<port>, unique, so the attach tests run in parallel).
func startAttachCluster(t *testing.T, serverArgs ...string) (*testcluster.T, *kubernetes.Clientset) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("pods need root for namespaces")
	}
	c := testcluster.StartT(t, serverArgs...)
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), c.NodeName, metav1.GetOptions{})
		return err == nil && testcluster.NodeReady(n)
	}, c.NodeName+" registers Ready")
	return c, cs
}

// stdinPod is a busybox pod running script with the stdin fields given.
func stdinPod(name, stdin, script string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  restartPolicy: Never
  containers:
  - name: box
    image: busybox
    %s
    command: [sh, -c, %q]
`, name, stdin, script)
}

// TestKubectlRunInteractiveRm is `kubectl run -i --rm`: kubectl creates
// the pod with stdin and stdinOnce, attaches once it runs, sends its
// input (whose end closes the container's stdin), prints the output, and
// deletes the pod.
func TestKubectlRunInteractiveRm(t *testing.T) {
	t.Parallel()
	c, cs := startAttachCluster(t)
	out := c.RunIn("hello\n", "run", "-i", "--rm", "--restart=Never", "--image=busybox", "x",
		"--", "sh", "-c", "read l; echo got $l; cat; echo stdin-closed")
	if !strings.Contains(out, "got hello\n") || !strings.Contains(out, "stdin-closed\n") {
		t.Errorf("kubectl run -i --rm printed %q, want got hello and stdin-closed", out)
	}
	_, err := cs.CoreV1().Pods("default").Get(context.Background(), "x", metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("pod x after kubectl run --rm: %v, want NotFound", err)
	}
}

// TestKubectlAttachEchoesInput attaches twice to a container with stdin:
// true: each session's input reaches it and its output comes back, and
// the end of the first session's input leaves stdin open for the second
// (no stdinOnce).
func TestKubectlAttachEchoesInput(t *testing.T) {
	t.Parallel()
	c, cs := startAttachCluster(t)
	c.RunIn(stdinPod("echo", "stdin: true", `while read l; do echo "echo: $l"; echo "err: $l" >&2; done; echo stdin-closed`), "apply", "-f", "-")
	waitPhase(t, cs, "echo", corev1.PodRunning)
	for _, word := range []string{"one", "two"} {
		got := attachUntil(t, c, word+"\n", "echo: "+word)
		if !strings.Contains(got, "err: "+word) {
			t.Errorf("attach %s: stderr not streamed:\n%s", word, got)
		}
		if strings.Contains(got, "stdin-closed") {
			t.Errorf("attach %s: the container's stdin closed:\n%s", word, got)
		}
	}
}

// attachUntil runs `kubectl attach -i echo` with stdin until its output
// (stdout and stderr) holds want, then ends it.
func attachUntil(t *testing.T, c *testcluster.T, stdin, want string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, "kubectl", "attach", "-i", "echo")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig())
	cmd.Stdin = strings.NewReader(stdin)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		r.Close()
	}()
	var got strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		got.WriteString(sc.Text() + "\n")
		if strings.Contains(got.String(), want) && strings.Contains(got.String(), strings.Replace(want, "echo:", "err:", 1)) {
			return got.String()
		}
	}
	t.Fatalf("kubectl attach ended without %q:\n%s", want, got.String())
	return ""
}

// TestKubectlAttachStdinOnce: the end of the first attach session's input
// closes a stdinOnce container's stdin, so it reads EOF, and the session
// ends with the container.
// Not parallel: the first attach session must reach the container while it still waits on stdin; under the load of tests beside it kubectl attached too late and printed nothing.
func TestKubectlAttachStdinOnce(t *testing.T) {
	c, cs := startAttachCluster(t)
	c.RunIn(stdinPod("once", "stdin: true\n    stdinOnce: true", "cat; echo EOF-SEEN"), "apply", "-f", "-")
	waitPhase(t, cs, "once", corev1.PodRunning)
	if out := c.RunIn("line\n", "attach", "-i", "once"); !strings.Contains(out, "line\nEOF-SEEN\n") {
		t.Errorf("kubectl attach -i printed %q, want line and EOF-SEEN", out)
	}
	waitPhase(t, cs, "once", corev1.PodSucceeded)
	if logs := c.Run("logs", "once"); logs != "line\nEOF-SEEN\n" {
		t.Errorf("logs = %q", logs)
	}
}

// TestKubectlAttachRefusesStdinWithoutStdin: a container without stdin:
// true reads no input, and attaching with -i says so.
func TestKubectlAttachRefusesStdinWithoutStdin(t *testing.T) {
	t.Parallel()
	c, cs := startAttachCluster(t)
	c.RunIn(stdinPod("nostdin", "", "sleep 3600"), "apply", "-f", "-")
	waitPhase(t, cs, "nostdin", corev1.PodRunning)
	errOut := c.Fail("x\n", "attach", "-i", "nostdin")
	if !strings.Contains(errOut, "stdin is not enabled for container box") {
		t.Errorf("kubectl attach -i to a container without stdin: %s", errOut)
	}
	if errOut := c.Fail("", "attach", "nostdin", "-c", "nope"); !strings.Contains(errOut, "container nope is not valid for pod nostdin") {
		t.Errorf("kubectl attach -c nope: %s", errOut)
	}
}

// TestKubectlRunInteractiveOnATerminal is `kubectl run -it --rm` from a
// user's terminal: the container (whose tty: true is not implemented, so
// it reads a pipe) gets the typed line and its output reaches the
// terminal, stderr included, and the pod is deleted after.
func TestKubectlRunInteractiveOnATerminal(t *testing.T) {
	t.Parallel()
	c, cs := startAttachCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, "kubectl", "run", "-it", "--rm", "--restart=Never", "--image=busybox", "t",
		"--", "sh", "-c", "read l; echo got $l; echo err $l >&2")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig())
	term, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	var out strings.Builder
	done := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		typed := false
		for {
			n, err := term.Read(buf)
			out.Write(buf[:n])
			if !typed && strings.Contains(out.String(), "If you don't see a command prompt") {
				typed = true
				_, _ = term.Write([]byte("typed\n"))
			}
			if err != nil {
				close(done)
				return
			}
		}
	}()
	if err := cmd.Wait(); err != nil {
		t.Errorf("kubectl run -it: %v", err)
	}
	term.Close()
	<-done
	for _, want := range []string{"got typed", "err typed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("want %q on the terminal:\n%s", want, out.String())
		}
	}
	_, err = cs.CoreV1().Pods("default").Get(context.Background(), "t", metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("pod t after kubectl run --rm: %v, want NotFound", err)
	}
}

// TestKubectlAttachAndExecOverSPDY: clients that speak SPDY (kubectl with
// WebSockets turned off, client-go's SPDY executor, kubectl before 1.30)
// attach and exec too.
// Not parallel: t.Setenv(KUBECTL_REMOTE_COMMAND_WEBSOCKETS) changes the whole process's environment (and panics in a parallel test).
func TestKubectlAttachAndExecOverSPDY(t *testing.T) {
	t.Setenv("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", "false")
	c, cs := startAttachCluster(t)
	c.RunIn(stdinPod("spdy", "stdin: true\n    stdinOnce: true", "cat; echo EOF-SEEN; echo to-stderr >&2"), "apply", "-f", "-")
	waitPhase(t, cs, "spdy", corev1.PodRunning)
	if got := c.RunIn("piped\n", "exec", "-i", "spdy", "--", "cat"); got != "piped\n" {
		t.Errorf("kubectl exec -i over SPDY printed %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, errOut, err := c.Kubectl(ctx, "line\n", "attach", "-i", "spdy")
	if err != nil || !strings.Contains(out, "line\nEOF-SEEN\n") || !strings.Contains(errOut, "to-stderr") {
		t.Errorf("kubectl attach -i over SPDY: %v\nstdout %q\nstderr %q", err, out, errOut)
	}
}

// TestKubectlAttachAfterTheAgentRestarts: a container's stdin pipe, kept
// by the pod's shim, is the next agent's: input sent after ordo was killed
// and started again still reaches the container, whose stdin stayed open.
func TestKubectlAttachAfterTheAgentRestarts(t *testing.T) {
	t.Parallel()
	c, cs := startAttachCluster(t, "--stop-pods-on-exit=false")
	c.RunIn(stdinPod("echo", "stdin: true", `while read l; do echo "echo: $l"; echo "err: $l" >&2; done; echo stdin-closed`), "apply", "-f", "-")
	waitPhase(t, cs, "echo", corev1.PodRunning)
	attachUntil(t, c, "one\n", "echo: one")
	c.Kill9()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _, err := c.Kubectl(ctx, "", "exec", "echo", "--", "true")
		return err == nil
	}, "the restarted agent adopts the pod")
	if got := attachUntil(t, c, "two\n", "echo: two"); strings.Contains(got, "stdin-closed") {
		t.Errorf("the container's stdin closed across the restart:\n%s", got)
	}
}

// TestKubectlRunWithATerminal: kubectl run -it gives the container a
// terminal (tty: true): `tty` names one of the container's own
// /dev/pts, and kubectl's terminal size reaches it.
func TestKubectlRunWithATerminal(t *testing.T) {
	t.Parallel()
	c, _ := startAttachCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, "kubectl", "run", "-it", "--rm", "--restart=Never", "--image=busybox", "tt",
		"--", "sh", "-c", `read l; tty; [ -t 0 ] && echo "stdin is a terminal"; while [ "$(stty size)" = "0 0" ]; do sleep 0.1; done; stty size`)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig())
	term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 33, Cols: 111})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	var out strings.Builder
	done := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		typed := false
		for {
			n, err := term.Read(buf)
			out.Write(buf[:n])
			if !typed && strings.Contains(out.String(), "If you don't see a command prompt") {
				typed = true
				_, _ = term.Write([]byte("go\n"))
			}
			if err != nil {
				close(done)
				return
			}
		}
	}()
	if err := cmd.Wait(); err != nil {
		t.Errorf("kubectl run -it: %v", err)
	}
	term.Close()
	<-done
	for _, want := range []string{"/dev/pts/0", "stdin is a terminal", "33 111"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("want %q on the terminal:\n%s", want, out.String())
		}
	}
}
