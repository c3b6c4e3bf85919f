package e2e

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// stopLine is what the server logs when its stop begins.
const stopLine = "Stopping: controllers and agent first, then the API server, then etcd"

// errorLine matches a log line at error level: klog's "E1207 ..." header,
// zap's JSON level, or the wording of a failure.
var errorLine = regexp.MustCompile(`^E\d{4} |"level":"error"|Failed to |failed to `)

// TestStopIsClean: a SIGTERM with a pod running, a `kubectl get pods -w`
// and a `kubectl logs -f` open stops the server with exit code 0, and nothing it logs after
// the stop line is an error (issue 24, item 10).
func TestStopIsClean(t *testing.T) {
	t.Parallel()
	c, cs, _ := startOwnNode(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo sleeping; exec sleep 3600']
`, "apply", "-f", "-")
	waitPhase(t, cs, "sleeper", corev1.PodRunning)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watch := exec.CommandContext(ctx, c.Bin, "kubectl", "get", "pods", "-w")
	watch.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig())
	var mu sync.Mutex
	var out strings.Builder
	watch.Stdout = writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(p) })
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = watch.Wait() }()
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return strings.Contains(out.String(), "sleeper") }, "kubectl get pods -w lists sleeper")
	// A log stream is open too: `logs -f` of a container that prints once.
	follow := exec.CommandContext(ctx, c.Bin, "kubectl", "logs", "-f", "sleeper")
	follow.Env = watch.Env
	var followed strings.Builder
	follow.Stdout = writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return followed.Write(p) })
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = follow.Wait() }()
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return strings.Contains(followed.String(), "sleeping") }, "kubectl logs -f follows sleeper")

	code, exited := c.Terminate(60 * time.Second)
	if !exited {
		t.Fatal("the server did not exit within 60 s of SIGTERM")
	}
	if code != 0 {
		t.Errorf("the server exited with code %d after SIGTERM, want 0", code)
	}
	data, err := os.ReadFile(c.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	at := strings.LastIndex(log, stopLine)
	if at < 0 {
		t.Fatalf("the server never logged %q:\n%s", stopLine, log)
	}
	var bad []string
	for _, line := range strings.Split(log[at:], "\n") {
		if errorLine.MatchString(line) {
			bad = append(bad, line)
		}
	}
	if len(bad) > 0 {
		t.Errorf("after the stop signal the server logged %d error lines:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	// The server's own clients (the kubernetes Service loop keeps a v1
	// Endpoints) must not log the API's deprecation warnings, meant for
	// users, every time they write.
	if strings.Contains(log, "is deprecated") {
		t.Errorf("the server logged an API deprecation warning to itself:\n%s", log)
	}
	// On a new data directory the controllers' first bid for their lease
	// waits for kube-system: one made before failed and lost the leader
	// election's 2 s retry period, which a new node's first pods waited.
	if line := grepLine(log, "Error initially creating lease lock"); line != "" {
		t.Errorf("the first start's leader election ran before kube-system existed:\n%s", line)
	}
}

// grepLine is the first line of log containing s, or "".
func grepLine(log, s string) string {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
