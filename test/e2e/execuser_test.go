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
	"github.com/ordo-dev/ordo/internal/testcluster"
)

// TestExecRunsAsTheContainersUser: kubectl exec, exec probes and exec
// lifecycle hooks run with the container's process spec, as a container
// runtime runs an exec: its runAsUser, runAsGroup and supplementalGroups,
// and for a root container its capability set and no_new_privs
// (allowPrivilegeEscalation: false), not the agent's root with every
// capability.
func TestExecRunsAsTheContainersUser(t *testing.T) {
	t.Parallel()
	c, _, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: as-user}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000]}
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    readinessProbe:
      exec: {command: [sh, -c, 'test "$(id -u)" = 1000']}
      periodSeconds: 1
    lifecycle:
      postStart:
        exec: {command: [sh, -c, 'id -u > /tmp/post-start-uid']}
---
apiVersion: v1
kind: Pod
metadata: {name: no-caps}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`, "apply", "-f", "-")
	// The readiness probe passes only when it runs as uid 1000.
	waitReady(t, c, "as-user", "no-caps")

	id := c.Run("exec", "as-user", "--", "id")
	for _, want := range []string{"uid=1000", "gid=3000", "4000"} {
		if !strings.Contains(id, want) {
			t.Errorf("kubectl exec -- id printed %q, want %q in it", id, want)
		}
	}
	if got := strings.TrimSpace(c.Run("exec", "as-user", "--", "sh", "-c", `echo "$(id -u) $(id -g) $(id -G)"`)); got != "1000 3000 3000 4000" {
		t.Errorf("exec's uid, gid and groups are %q, want %q", got, "1000 3000 3000 4000")
	}
	// The terminal is the user's, as a runtime gives it to an exec's user.
	if got := terminalExec(t, c, "as-user", `tty; echo "U""ID=$(id -u) OWNER=$(stat -c %u "$(tty)")"`); !strings.Contains(got, "/dev/pts/") || !strings.Contains(got, "UID=1000 OWNER=1000") {
		t.Errorf("kubectl exec -it as the container's user printed %q, want its /dev/pts and UID=1000 OWNER=1000", got)
	}
	if got := postStartUID(t, c); got != "1000" {
		t.Errorf("the postStart hook ran as uid %q, want 1000", got)
	}

	status := c.Run("exec", "no-caps", "--", "grep", "-E", "^(CapEff|CapBnd|NoNewPrivs):", "/proc/self/status")
	for _, want := range []string{"CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "NoNewPrivs:\t1"} {
		if !strings.Contains(status, want) {
			t.Errorf("exec in a container that drops ALL capabilities has\n%s\nwant %q", status, want)
		}
	}
}

// postStartUID is what the as-user pod's postStart hook wrote, once it
// has: the hook runs alongside the container.
func postStartUID(t *testing.T, c *testcluster.T) string {
	t.Helper()
	for range 120 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, _, err := c.Kubectl(ctx, "", "exec", "as-user", "--", "cat", "/tmp/post-start-uid")
		cancel()
		if err == nil && strings.TrimSpace(out) != "" {
			return strings.TrimSpace(out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatal("the postStart hook wrote no /tmp/post-start-uid")
	return ""
}

// terminalExec runs script in pod with kubectl exec -it on a terminal of
// the test's own, and is what the terminal showed.
func terminalExec(t *testing.T, c *testcluster.T, pod, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, "kubectl", "exec", "-it", pod, "--", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig())
	term, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() { _, _ = io.Copy(&out, term); close(done) }()
	// The terminal reads to its end (EIO) once kubectl, the only holder
	// of its other side, exits.
	<-done
	if err := cmd.Wait(); err != nil {
		t.Errorf("kubectl exec -it: %v", err)
	}
	return out.String()
}
