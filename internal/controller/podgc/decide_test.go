package podgc

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC)

func pod(name, node string, deleting bool, phase corev1.PodPhase) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: corev1.PodSpec{NodeName: node},
		Status: corev1.PodStatus{Phase: phase}}
	if deleting {
		p.DeletionTimestamp = &metav1.Time{Time: t0}
	}
	return p
}

func node(name string, ready corev1.ConditionStatus, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}}}
}

func TestPlan(t *testing.T) {
	oos := corev1.Taint{Key: corev1.TaintNodeOutOfService, Value: "nodeshutdown", Effect: corev1.TaintEffectNoExecute}
	nodes := map[string]*corev1.Node{
		"up":       node("up", corev1.ConditionTrue),
		"up-oos":   node("up-oos", corev1.ConditionTrue, oos),
		"lost":     node("lost", corev1.ConditionUnknown),
		"lost-oos": node("lost-oos", corev1.ConditionUnknown, oos),
	}
	gone := map[string]bool{"deleted": true}
	cases := []struct {
		name string
		pod  *corev1.Pod
		want why
	}{
		{"running on a live node", pod("a", "up", false, corev1.PodRunning), 0},
		{"terminating on a live node: its agent finishes it", pod("a", "up", true, corev1.PodRunning), 0},
		{"terminating on an unreachable node: waits for its agent", pod("a", "lost", true, corev1.PodRunning), 0},
		{"terminating on an out-of-service node", pod("a", "lost-oos", true, corev1.PodRunning), outOfService},
		{"not terminating on an out-of-service node: the taint manager's", pod("a", "lost-oos", false, corev1.PodRunning), 0},
		{"out-of-service but Ready: kept", pod("a", "up-oos", true, corev1.PodRunning), 0},
		{"on a deleted node", pod("a", "deleted", false, corev1.PodRunning), orphaned},
		{"terminated on a deleted node", pod("a", "deleted", false, corev1.PodSucceeded), orphaned},
		{"on a missing node not yet confirmed", pod("a", "missing", false, corev1.PodRunning), 0},
		{"terminating and unscheduled", pod("a", "", true, corev1.PodPending), unscheduled},
		{"pending and unscheduled", pod("a", "", false, corev1.PodPending), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := plan([]*corev1.Pod{c.pod}, nodes, gone)
			if c.want == 0 && len(got) != 0 || c.want != 0 && (len(got) != 1 || got[0].why != c.want) {
				t.Errorf("got %+v, want %v", got, c.want)
			}
		})
	}
}

func TestQuarantine(t *testing.T) {
	since := map[string]time.Time{}
	pods := []*corev1.Pod{pod("a", "gone", false, corev1.PodRunning), pod("b", "up", false, corev1.PodRunning)}
	missing := missingNodes(pods, map[string]*corev1.Node{"up": node("up", corev1.ConditionTrue)})
	if len(missing) != 1 || !missing["gone"] {
		t.Fatalf("missing %v", missing)
	}
	if due := quarantined(since, missing, t0, 40*time.Second); len(due) != 0 {
		t.Errorf("due at once: %v", due)
	}
	if due := quarantined(since, missing, t0.Add(39*time.Second), 40*time.Second); len(due) != 0 {
		t.Errorf("due before the quarantine: %v", due)
	}
	if due := quarantined(since, missing, t0.Add(40*time.Second), 40*time.Second); len(due) != 1 || due[0] != "gone" {
		t.Errorf("not due after the quarantine: %v", due)
	}
	quarantined(since, map[string]bool{}, t0.Add(41*time.Second), 40*time.Second)
	if len(since) != 0 {
		t.Errorf("a node back in the cache is still quarantined: %v", since)
	}
}

func TestFailedStatus(t *testing.T) {
	running := pod("a", "gone", false, corev1.PodRunning)
	st := failedStatus(deletion{running, orphaned}, t0)
	if st == nil || st.Phase != corev1.PodFailed || len(st.Conditions) != 1 || st.Conditions[0].Type != corev1.DisruptionTarget ||
		st.Conditions[0].Reason != "DeletionByPodGC" || st.Conditions[0].Message != "PodGC: node no longer exists" {
		t.Errorf("orphan: %+v", st)
	}
	if st := failedStatus(deletion{running, outOfService}, t0); st == nil || st.Phase != corev1.PodFailed || len(st.Conditions) != 0 {
		t.Errorf("out of service: %+v", st)
	}
	if st := failedStatus(deletion{pod("a", "gone", false, corev1.PodSucceeded), orphaned}, t0); st != nil {
		t.Errorf("a terminal pod's status is rewritten: %+v", st)
	}
}
