package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func nodeCondition(t *testing.T, cs kubernetes.Interface, name string) (corev1.NodeCondition, []corev1.Taint) {
	t.Helper()
	n, err := cs.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c, n.Spec.Taints
		}
	}
	return corev1.NodeCondition{}, n.Spec.Taints
}

func podOn(t *testing.T, cs kubernetes.Interface, name string) *corev1.Pod {
	t.Helper()
	p, err := cs.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestNodeGoesUnknownWhileItsAgentIsSilent: a joined agent stopped
// (SIGSTOP: its pods live on, its heartbeats stop) for longer than
// --node-monitor-grace-period: its Node's Ready turns Unknown
// (NodeStatusUnknown), it is tainted unreachable:NoSchedule, and its pod
// is not Ready but still Running. When the agent goes on, the Node is
// Ready and untainted again and the pod Ready, with no restart.
func TestNodeGoesUnknownWhileItsAgentIsSilent(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t, "--node-monitor-grace-period=3s")
	// A node name of the test's own: it claims cgroups machine-wide.
	node2 := fmt.Sprintf("silent-%d", os.Getpid())
	agent, err := c.StartAgent(t.TempDir(), node2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Stop)
	t.Cleanup(agent.Resume) // before Stop: a stopped agent cannot stop
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: quiet}
spec:
  nodeSelector: {kubernetes.io/hostname: `+node2+`}
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    readinessProbe:
      exec: {command: ["true"]}
      periodSeconds: 1
`, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/quiet", "--timeout=60s")

	agent.Pause()
	waitFor(t, func() bool { cond, _ := nodeCondition(t, cs, node2); return cond.Status == corev1.ConditionUnknown }, node2+" Ready Unknown")
	cond, taints := nodeCondition(t, cs, node2)
	if cond.Reason != "NodeStatusUnknown" || cond.Message != "Kubelet stopped posting node status." {
		t.Errorf("Ready condition %+v", cond)
	}
	waitFor(t, func() bool { _, taints = nodeCondition(t, cs, node2); return hasUnreachable(taints) }, "the unreachable taint")
	waitFor(t, func() bool { return !podReady(podOn(t, cs, "quiet")) }, "the pod not Ready")
	if p := podOn(t, cs, "quiet"); p.Status.Phase != corev1.PodRunning {
		t.Errorf("the pod's phase is %s while its processes live", p.Status.Phase)
	}
	if out := c.Run("get", "nodes", node2, "--no-headers"); !strings.Contains(out, "NotReady") {
		t.Errorf("kubectl get nodes: %q", out)
	}
	waitFor(t, func() bool {
		return strings.Contains(c.Run("get", "events", "--field-selector", "involvedObject.name=quiet", "-o", "jsonpath={.items[*].reason}"), "NodeNotReady")
	}, "a NodeNotReady event on the pod")

	agent.Resume()
	waitFor(t, func() bool { cond, _ := nodeCondition(t, cs, node2); return cond.Status == corev1.ConditionTrue }, node2+" Ready again")
	waitFor(t, func() bool { _, taints := nodeCondition(t, cs, node2); return !hasUnreachable(taints) }, "the taint removed")
	waitFor(t, func() bool { return podReady(podOn(t, cs, "quiet")) }, "the pod Ready again")
	if p := podOn(t, cs, "quiet"); p.Status.ContainerStatuses[0].RestartCount != 0 {
		t.Errorf("the pod restarted: %+v", p.Status.ContainerStatuses[0])
	}
}

func hasUnreachable(taints []corev1.Taint) bool {
	for _, t := range taints {
		if t.Key == corev1.TaintNodeUnreachable && t.Effect == corev1.TaintEffectNoSchedule {
			return true
		}
	}
	return false
}
