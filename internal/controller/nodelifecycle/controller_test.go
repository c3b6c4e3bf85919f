package nodelifecycle

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	testingclock "k8s.io/utils/clock/testing"
)

// TestReadyNodeLosesNotReadyTaintWithoutWaitingForTheMonitor: a new node
// (not-ready:NoSchedule, no Ready condition) whose agent then reports
// Ready is untainted on that event, with the monitor's clock stopped, as
// Kubernetes' tainting pass runs on node events; a node still without
// Ready keeps its taint.
func TestReadyNodeLosesNotReadyTaintWithoutWaitingForTheMonitor(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := testingclock.NewFakeClock(time.Now())
	newNode := func(name string) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{Taints: []corev1.Taint{notReadyNoSchedule}}}
	}
	client := fake.NewSimpleClientset(newNode("a"), newNode("b"))
	inf := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Informers: inf, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	go c.Run(ctx)
	inf.Start(ctx.Done())

	// The first monitor pass finds both nodes' taints right.
	time.Sleep(200 * time.Millisecond)
	ready := newNode("a")
	ready.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
		Reason: "KubeletReady", LastHeartbeatTime: metav1.NewTime(clk.Now())}}
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, ready, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, err := client.CoreV1().Nodes().Get(ctx, "a", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Spec.Taints) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node a reports Ready and still has %v (the monitor's clock never ticked)", a.Spec.Taints)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, err := client.CoreV1().Nodes().Get(ctx, "b", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !taintsMatch(b.Spec.Taints, []corev1.Taint{notReadyNoSchedule}) {
		t.Errorf("node b, never Ready, has taints %v", b.Spec.Taints)
	}
}

func TestTaintsStale(t *testing.T) {
	fresh := &corev1.Node{Spec: corev1.NodeSpec{Taints: []corev1.Taint{notReadyNoSchedule}}}
	for _, c := range []struct {
		name  string
		node  *corev1.Node
		stale bool
	}{
		{"new, tainted not-ready", fresh, false},
		{"new, untainted", &corev1.Node{}, true},
		{"Ready, still tainted not-ready", readyNode(corev1.ConditionTrue, notReadyNoSchedule), true},
		{"Ready, untainted", readyNode(corev1.ConditionTrue), false},
		{"Unknown, tainted unreachable", readyNode(corev1.ConditionUnknown, unreachableNoSchedule, unreachableNoExecute), false},
		{"False, tainted unreachable", readyNode(corev1.ConditionFalse, unreachableNoSchedule, unreachableNoExecute), true},
	} {
		if got := taintsStale(c.node); got != c.stale {
			t.Errorf("%s: stale %v, want %v", c.name, got, c.stale)
		}
	}
}
