package scheduler

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNeedsScheduling(t *testing.T) {
	now := metav1.NewTime(anchor)
	tests := []struct {
		name string
		pod  *corev1.Pod
		want bool
	}{
		{"pending", pod("p"), true},
		{"empty scheduler name", pod("p", func(p *corev1.Pod) { p.Spec.SchedulerName = "" }), true},
		{"bound", pod("p", onNode("a")), false},
		{"deleted", pod("p", func(p *corev1.Pod) { p.DeletionTimestamp = &now }), false},
		{"other scheduler", pod("p", func(p *corev1.Pod) { p.Spec.SchedulerName = "volcano" }), false},
		{"gated", pod("p", func(p *corev1.Pod) {
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/wait"}}
		}), false},
		{"failed", pod("p", phase(corev1.PodFailed)), false},
	}
	for _, tt := range tests {
		if got := needsScheduling(tt.pod); got != tt.want {
			t.Errorf("%s: needsScheduling = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFailureMessage(t *testing.T) {
	got := failureMessage(3, map[string]int{
		"node(s) didn't match Pod's node affinity/selector": 2,
		"node(s) had untolerated taint {k: v}":              1,
	})
	want := "0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 node(s) didn't match Pod's node affinity/selector."
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := failureMessage(0, map[string]int{}); got != "no nodes available to schedule pods" {
		t.Errorf("no nodes: %q", got)
	}
}

func TestSetUnschedulable(t *testing.T) {
	var s corev1.PodStatus
	if !setUnschedulable(&s, "m1", 1, anchor) {
		t.Fatal("first write must change the status")
	}
	c := s.Conditions[0]
	if c.Type != corev1.PodScheduled || c.Status != corev1.ConditionFalse || c.Reason != "Unschedulable" ||
		c.Message != "m1" || c.ObservedGeneration != 1 || !c.LastTransitionTime.Time.Equal(anchor) {
		t.Errorf("condition = %+v", c)
	}
	if setUnschedulable(&s, "m1", 1, anchor.Add(time.Minute)) {
		t.Error("same message must not need a write")
	}
	later := anchor.Add(2 * time.Minute)
	if !setUnschedulable(&s, "m2", 1, later) || len(s.Conditions) != 1 {
		t.Fatalf("new message must replace the condition: %+v", s.Conditions)
	}
	if c := s.Conditions[0]; !c.LastTransitionTime.Time.Equal(anchor) || !c.LastProbeTime.Time.Equal(later) || c.Message != "m2" {
		t.Errorf("still False: transition time must stay, probe time move: %+v", c)
	}
}

func TestNodeChanged(t *testing.T) {
	base := node("a")
	heartbeat := base.DeepCopy()
	heartbeat.Status.Conditions[0].LastHeartbeatTime = metav1.NewTime(anchor)
	heartbeat.ResourceVersion = "2"
	if nodeChanged(base, heartbeat) {
		t.Error("a heartbeat must not requeue pods")
	}
	for name, n := range map[string]*corev1.Node{
		"label":    node("a", labelled("disk", "ssd")),
		"taint":    node("a", tainted("k", "v", corev1.TaintEffectNoSchedule)),
		"cordon":   node("a", cordoned),
		"notready": node("a", ready(corev1.ConditionFalse)),
		// an extended resource patched into status.allocatable
		"allocatable": node("a", offering(foo, "5")),
	} {
		if !nodeChanged(base, n) {
			t.Errorf("%s change must requeue pods", name)
		}
	}
}

func TestPodChanged(t *testing.T) {
	p := pod("p")
	statusOnly := p.DeepCopy()
	setUnschedulable(&statusOnly.Status, "m", 0, anchor)
	if podChanged(p, statusOnly) {
		t.Error("our own status write must not requeue the pod")
	}
	if !podChanged(p, pod("p", toleration(corev1.Toleration{Operator: corev1.TolerationOpExists}))) {
		t.Error("a new toleration must requeue the pod")
	}
	gated := pod("p", func(p *corev1.Pod) { p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "g"}} })
	if !podChanged(gated, p) {
		t.Error("removing the last gate must requeue the pod")
	}
}
