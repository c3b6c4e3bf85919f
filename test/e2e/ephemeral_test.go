package e2e

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestKubectlDebugAddsAnEphemeralContainer: kubectl debug adds an
// ephemeral container through pods/ephemeralcontainers; it runs beside
// the pod's container (exec and logs reach it), the generation moves to 2,
// and an existing ephemeral container cannot be changed.
func TestKubectlDebugAddsAnEphemeralContainer(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	ctx := context.Background()
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: target}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: app, image: busybox, command: [sleep, "3600"]}]
`, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/target", "--timeout=60s")
	c.Run("debug", "target", "--image=busybox", "-c", "debugger", "--", "sh", "-c", "while true; do echo polo; sleep 1; done")
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods("default").Get(ctx, "target", metav1.GetOptions{})
		return err == nil && len(p.Status.EphemeralContainerStatuses) == 1 && p.Status.EphemeralContainerStatuses[0].State.Running != nil
	}, "the ephemeral container running")
	if out := c.Run("exec", "target", "-c", "debugger", "--", "echo", "marco"); strings.TrimSpace(out) != "marco" {
		t.Errorf("exec in the ephemeral container: %q", out)
	}
	waitFor(t, func() bool { return strings.Contains(c.Run("logs", "target", "-c", "debugger"), "polo") }, "the ephemeral container's logs")
	p, err := cs.CoreV1().Pods("default").Get(ctx, "target", metav1.GetOptions{})
	if err != nil || p.Generation != 2 {
		t.Errorf("generation after adding an ephemeral container: %d, %v", p.Generation, err)
	}
	p.Spec.EphemeralContainers[0].Image = "alpine"
	if _, err := cs.CoreV1().Pods("default").UpdateEphemeralContainers(ctx, "target", p, metav1.UpdateOptions{}); err == nil || !strings.Contains(err.Error(), `existing ephemeral containers "debugger" may not be changed`) {
		t.Errorf("changing an ephemeral container: %v", err)
	}
}

// TestKubectlDebugTargetSharesTheTargetsProcesses: kubectl debug
// --target=app runs the ephemeral container in app's PID namespace, whose
// PID 1 is app's command, not the debugger's own.
func TestKubectlDebugTargetSharesTheTargetsProcesses(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	ctx := context.Background()
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: target}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: app, image: busybox, command: [sleep, "3517"]}]
`, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/target", "--timeout=60s")
	c.Run("debug", "target", "--image=busybox", "-c", "debugger", "--target=app", "--",
		"sh", "-c", `echo "pid1=$(tr '\0' ' ' </proc/1/cmdline)"; echo "own=$$"`)
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods("default").Get(ctx, "target", metav1.GetOptions{})
		return err == nil && len(p.Status.EphemeralContainerStatuses) == 1 && p.Status.EphemeralContainerStatuses[0].State.Terminated != nil
	}, "the ephemeral container finished")
	got := c.Run("logs", "target", "-c", "debugger")
	if !strings.Contains(got, "pid1=sleep 3517 \n") || strings.Contains(got, "own=1\n") {
		t.Errorf("the debugger does not see app's processes:\n%s", got)
	}
}

// TestKubectlDebugDocumentationExample runs the kubectl debug example of
// Kubernetes' documentation ("Debugging with an ephemeral debug
// container") as written: a pod of registry.k8s.io/pause:3.1, then a
// busybox debugger targeting it, which sees /pause as its PID 1. The pause
// image needs nothing but the host's /bin/sh (no e2e images).
func TestKubectlDebugDocumentationExample(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	ctx := context.Background()
	c.Run("run", "ephemeral-demo", "--image=registry.k8s.io/pause:3.1", "--restart=Never")
	c.Run("wait", "--for=condition=Ready", "pod/ephemeral-demo", "--timeout=60s")
	c.Run("debug", "ephemeral-demo", "--image=busybox:1.28", "-c", "debugger", "--target=ephemeral-demo", "--",
		"sh", "-c", `echo "pid1=$(tr '\0' ' ' </proc/1/cmdline)"`)
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods("default").Get(ctx, "ephemeral-demo", metav1.GetOptions{})
		return err == nil && len(p.Status.EphemeralContainerStatuses) == 1 && p.Status.EphemeralContainerStatuses[0].State.Terminated != nil
	}, "the ephemeral container finished")
	if got := c.Run("logs", "ephemeral-demo", "-c", "debugger"); !strings.Contains(got, "pid1=/bin/sh /pause") {
		t.Errorf("the debugger does not see the pause process as PID 1:\n%s", got)
	}
}
