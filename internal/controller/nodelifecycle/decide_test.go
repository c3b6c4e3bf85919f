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
	unreachable := []corev1.Taint{unreachableNoSchedule, unreachableNoExecute}
	notReady := []corev1.Taint{notReadyNoSchedule, notReadyNoExecute}
	dedicated := corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoExecute}
	cases := []struct {
		name             string
		node             *corev1.Node
		heard            time.Time
		conditions, pods bool
		becameUnknown    bool
		retaint          bool
		taints           []corev1.Taint
	}{
		{name: "heard within the grace period", node: readyNode(corev1.ConditionTrue), heard: t0.Add(-grace)},
		{name: "quiet past the grace period: unreachable NoSchedule and NoExecute", node: readyNode(corev1.ConditionTrue), heard: t0.Add(-grace - time.Second),
			conditions: true, pods: true, becameUnknown: true, retaint: true, taints: unreachable},
		{name: "already Unknown and tainted: only the pods are looked at", node: readyNode(corev1.ConditionUnknown, unreachable...),
			heard: t0.Add(-2 * grace), conditions: true, pods: true, taints: unreachable},
		{name: "tainted NoSchedule only (an older ordo): NoExecute is added", node: readyNode(corev1.ConditionUnknown, unreachableNoSchedule),
			heard: t0.Add(-2 * grace), conditions: true, pods: true, retaint: true, taints: unreachable},
		{name: "back: Ready again, the taints go", node: readyNode(corev1.ConditionTrue, unreachable...), heard: t0, retaint: true},
		{name: "Ready, a user's taint is not ours", node: readyNode(corev1.ConditionTrue, dedicated), heard: t0},
		{name: "Ready False (the agent says so): not-ready, not unreachable", node: readyNode(corev1.ConditionFalse), heard: t0,
			retaint: true, taints: notReady},
		{name: "never reported, within the grace period: not-ready NoSchedule only, pods left alone", node: &corev1.Node{}, heard: t0,
			retaint: true, taints: []corev1.Taint{notReadyNoSchedule}},
		{name: "never reported, already not-ready NoSchedule: nothing to do", node: &corev1.Node{Spec: corev1.NodeSpec{Taints: []corev1.Taint{notReadyNoSchedule}}},
			heard: t0, taints: []corev1.Taint{notReadyNoSchedule}},
		{name: "never reported, tainted unreachable by an older ordo: not-ready instead", node: &corev1.Node{Spec: corev1.NodeSpec{Taints: []corev1.Taint{unreachableNoSchedule}}},
			heard: t0, retaint: true, taints: []corev1.Taint{notReadyNoSchedule}},
		{name: "never reported, past the grace period: NoExecute too", node: &corev1.Node{}, heard: t0.Add(-2 * grace),
			conditions: true, pods: true, becameUnknown: true, retaint: true, taints: unreachable},
		{name: "from not-ready to unreachable", node: readyNode(corev1.ConditionFalse, notReady...), heard: t0.Add(-2 * grace),
			conditions: true, pods: true, becameUnknown: true, retaint: true, taints: unreachable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := decide(c.node, c.heard, t0, grace)
			if (p.conditions != nil) != c.conditions || p.retaint != c.retaint || p.podsNotReady != c.pods || p.becameUnknown != c.becameUnknown ||
				!taintsMatch(p.taints, c.taints) || len(p.taints) != len(c.taints) {
				t.Errorf("plan %+v", p)
			}
		})
	}
}

func TestRetaintedKeepsOtherTaintsAndTimes(t *testing.T) {
	dedicated := corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}
	old := unreachableNoSchedule
	old.TimeAdded = &metav1.Time{Time: t0.Add(-time.Hour)}
	got := retainted([]corev1.Taint{dedicated, old, notReadyNoExecute}, wantedTaints(corev1.ConditionUnknown, true), t0)
	if len(got) != 3 || got[0].Key != "dedicated" || !got[1].TimeAdded.Time.Equal(t0.Add(-time.Hour)) ||
		!got[2].MatchTaint(&unreachableNoExecute) || !got[2].TimeAdded.Time.Equal(t0) {
		t.Errorf("%+v", got)
	}
	if got := retainted([]corev1.Taint{dedicated, old}, nil, t0); len(got) != 1 || got[0].Key != "dedicated" {
		t.Errorf("Ready again: %+v", got)
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
