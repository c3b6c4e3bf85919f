package apis

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// TestDrainRespectsDisruptionBudget runs on a server of its own, since
// draining the shared server's node would stop the other tests' pods.
// kubectl cordon and uncordon flip the node's schedulability; kubectl
// drain keeps retrying while the budget (minAvailable 2 of 2 pods) allows
// no eviction, and drains the node once the budget allows it.
func TestDrainRespectsDisruptionBudget(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("pods need root")
	}
	t.Parallel()
	const node = "drain-1"
	c := testcluster.StartT(t, "--node-name", node)
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
		return err == nil && testcluster.NodeReady(n)
	}, node+" Ready")

	c.Run("cordon", node)
	if out := c.Run("get", "node", node, "--no-headers"); !strings.Contains(out, "Ready,SchedulingDisabled") {
		t.Fatalf("cordoned node: %s", out)
	}
	c.Run("uncordon", node)
	if n, err := cs.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{}); err != nil || n.Spec.Unschedulable {
		t.Fatalf("uncordoned node: %v unschedulable=%v", err, n != nil && n.Spec.Unschedulable)
	}

	c.RunIn(webDeployment, "apply", "-f", "-")
	c.Run("rollout", "status", "deployment/web", "--timeout=120s")
	c.RunIn(fmt.Sprintf(webBudget, 2), "apply", "-f", "-")
	waitBudget(t, cs, "default", 2, 0)

	drain := []string{"drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=8s"}
	errOut := c.Fail("", drain...)
	if !strings.Contains(errOut, "Cannot evict pod as it would violate the pod's disruption budget.") {
		t.Fatalf("drain under a budget allowing nothing: %s", errOut)
	}
	if got := len(webPods(t, cs, "default")); got != 2 {
		t.Fatalf("%d web pods after the refused drain, want 2", got)
	}
	for _, p := range webPods(t, cs, "default") {
		if p.DeletionTimestamp != nil {
			t.Fatalf("pod %s is being deleted after the refused drain", p.Name)
		}
	}

	// With the node cordoned the replacements cannot run, so only a
	// budget that allows both pods to go lets the drain finish.
	c.Run("patch", "pdb", "web", "--type=merge", "-p", `{"spec":{"minAvailable":0}}`)
	waitBudget(t, cs, "default", 2, 2)
	drain[len(drain)-1] = "--timeout=60s"
	if out := c.Run(drain...); !strings.Contains(out, "node/"+node+" drained") {
		t.Fatalf("drain the budget allows: %s", out)
	}
	for _, p := range webPods(t, cs, "default") {
		if p.Spec.NodeName == node && p.DeletionTimestamp == nil {
			t.Errorf("pod %s still on the drained node", p.Name)
		}
	}
	c.Run("uncordon", node)
}
