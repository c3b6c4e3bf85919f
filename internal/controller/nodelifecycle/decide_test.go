package nodelifecycle

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)

func readyNode(status corev1.ConditionStatus, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{Spec: corev1.NodeSpec{Taints: taints}, Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: status, Reason: "KubeletReady", LastHeartbeatTime: metav1.NewTime(t0.Add(-time.Minute))},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
	}}}
}

func TestDecide(t *testing.T) {
	grace := 50 * time.Second
	cases := []struct {
		name                             string
		node                             *corev1.Node
		heard                            time.Time
		conditions, taint, untaint, pods bool
		becameUnknown                    bool
	}{
		{name: "heard within the grace period", node: readyNode(corev1.ConditionTrue), heard: t0.Add(-grace)},
		{name: "quiet past the grace period", node: readyNode(corev1.ConditionTrue), heard: t0.Add(-grace - time.Second),
			conditions: true, taint: true, pods: true, becameUnknown: true},
		{name: "already Unknown and tainted: only the pods are looked at", node: readyNode(corev1.ConditionUnknown, unreachable),
			heard: t0.Add(-2 * grace), conditions: true, pods: true},
		{name: "back: Ready again, the taint goes", node: readyNode(corev1.ConditionTrue, unreachable), heard: t0, untaint: true},
		{name: "NotReady (the agent says so) is not unreachable", node: readyNode(corev1.ConditionFalse), heard: t0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := decide(c.node, c.heard, t0, grace)
			if (p.conditions != nil) != c.conditions || p.taint != c.taint || p.untaint != c.untaint || p.podsNotReady != c.pods || p.becameUnknown != c.becameUnknown {
				t.Errorf("plan %+v", p)
			}
		})
	}
}

func TestUnknownConditionsKeepHeartbeatsAndAddMissingOnes(t *testing.T) {
	n := readyNode(corev1.ConditionTrue)
	conds, turned := unknownConditions(n.Status.Conditions, t0)
	if !turned || len(conds) != 4 {
		t.Fatalf("%v %v", conds, turned)
	}
	for _, c := range conds {
		if c.Status != corev1.ConditionUnknown || !c.LastTransitionTime.Time.Equal(t0) {
			t.Errorf("%s: %+v", c.Type, c)
		}
	}
	if conds[0].Reason != "NodeStatusUnknown" || conds[0].Message != "Kubelet stopped posting node status." || !conds[0].LastHeartbeatTime.Time.Equal(t0.Add(-time.Minute)) {
		t.Errorf("Ready: %+v", conds[0])
	}
	if conds[2].Reason != "NodeStatusNeverUpdated" {
		t.Errorf("a condition the agent never posted: %+v", conds[2])
	}
	if again, _ := unknownConditions(conds, t0.Add(time.Minute)); again != nil {
		t.Errorf("already Unknown conditions rewritten: %v", again)
	}
}

func TestHeartbeatIsTheLatestOfLeaseAndCondition(t *testing.T) {
	n := readyNode(corev1.ConditionTrue)
	if got := heartbeat(n, nil); !got.Equal(t0.Add(-time.Minute)) {
		t.Errorf("no lease: %s", got)
	}
	renew := metav1.NewMicroTime(t0)
	if got := heartbeat(n, &renew); !got.Equal(t0) {
		t.Errorf("lease newer: %s", got)
	}
}

func TestPodNotReadyTouchesOnlyReady(t *testing.T) {
	pod := &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
		{Type: corev1.PodReady, Status: corev1.ConditionTrue}, {Type: corev1.ContainersReady, Status: corev1.ConditionTrue}}}}
	st := podNotReady(pod, t0)
	if st == nil || st.Conditions[0].Status != corev1.ConditionFalse || st.Conditions[1].Status != corev1.ConditionTrue || st.Phase != corev1.PodRunning {
		t.Fatalf("%+v", st)
	}
	pod.Status = *st
	if podNotReady(pod, t0) != nil {
		t.Error("a pod already not Ready is written again")
	}
}
