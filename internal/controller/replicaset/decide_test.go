package replicaset

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var anchor = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type podOpt func(*corev1.Pod)

func pod(name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, Labels: map[string]string{"app": "web"},
			CreationTimestamp: metav1.NewTime(anchor.Add(-time.Hour))},
		Spec:   corev1.PodSpec{NodeName: "n1"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func unscheduled(p *corev1.Pod)       { p.Spec.NodeName = "" }
func phase(ph corev1.PodPhase) podOpt { return func(p *corev1.Pod) { p.Status.Phase = ph } }
func created(ago time.Duration) podOpt {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(anchor.Add(-ago)) }
}
func readyFor(d time.Duration) podOpt {
	return func(p *corev1.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(anchor.Add(-d))})
	}
}
func restarted(n int32) podOpt {
	return func(p *corev1.Pod) { p.Status.ContainerStatuses = []corev1.ContainerStatus{{RestartCount: n}} }
}
func deleting(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: anchor} }

func names(pods []*corev1.Pod) []string {
	out := make([]string, len(pods))
	for i, p := range pods {
		out[i] = p.Name
	}
	return out
}

// TestManageDeletesInKubernetesOrder: surplus pods go worst first.
func TestManageDeletesInKubernetesOrder(t *testing.T) {
	active := []*corev1.Pod{
		pod("ready-long", readyFor(time.Hour)),
		pod("ready-short", readyFor(time.Minute)),
		pod("running-not-ready"),
		pod("pending", phase(corev1.PodPending)),
		pod("unscheduled", unscheduled, phase(corev1.PodPending)),
		pod("unknown", phase(corev1.PodUnknown)),
		pod("ready-short-restarted", readyFor(time.Minute), restarted(3)),
		pod("ready-short-newer", readyFor(time.Minute), created(time.Minute)),
	}
	want := []string{"unscheduled", "pending", "unknown", "running-not-ready", "ready-short-restarted", "ready-short-newer", "ready-short", "ready-long"}
	for n := 1; n <= len(want); n++ {
		create, remove := manage(len(active)-n, active, anchor)
		if create != 0 || len(remove) != n {
			t.Fatalf("surplus %d: create %d, remove %v", n, create, names(remove))
		}
		for i, name := range names(remove) {
			if name != want[i] {
				t.Errorf("surplus %d: deletion %d is %s, want %s (order %v)", n, i, name, want[i], names(remove))
			}
		}
	}
}

func TestManageCounts(t *testing.T) {
	three := []*corev1.Pod{pod("a"), pod("b"), pod("c")}
	cases := []struct {
		name       string
		want       int
		active     []*corev1.Pod
		wantCreate int
		wantRemove int
	}{
		{"up", 5, three, 2, 0},
		{"steady", 3, three, 0, 0},
		{"down", 1, three, 0, 2},
		{"to zero", 0, three, 0, 3},
		{"burst cap", 2000, nil, burstReplicas, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			create, remove := manage(c.want, c.active, anchor)
			if create != c.wantCreate || len(remove) != c.wantRemove {
				t.Errorf("create %d remove %d, want %d and %d", create, len(remove), c.wantCreate, c.wantRemove)
			}
		})
	}
}

func TestComputeStatus(t *testing.T) {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Generation: 4}, Spec: appsv1.ReplicaSetSpec{
		Replicas: ptr.To[int32](4), MinReadySeconds: 30,
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "front"}}}}}
	full := func(p *corev1.Pod) { p.Labels = map[string]string{"app": "web", "tier": "front"} }
	pods := []*corev1.Pod{
		pod("available", full, readyFor(time.Minute)),
		pod("ready-10s", full, readyFor(10*time.Second)),
		pod("not-ready"),
		pod("finished", phase(corev1.PodSucceeded), readyFor(time.Hour)),
		pod("going", deleting, readyFor(time.Hour)),
	}
	st, next := computeStatus(rs, pods, nil, anchor)
	want := appsv1.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 1, ObservedGeneration: 4}
	if st.Replicas != want.Replicas || st.FullyLabeledReplicas != want.FullyLabeledReplicas || st.ReadyReplicas != want.ReadyReplicas ||
		st.AvailableReplicas != want.AvailableReplicas || st.ObservedGeneration != want.ObservedGeneration {
		t.Errorf("status %+v, want %+v", st, want)
	}
	if next == nil || *next != 21*time.Second {
		t.Errorf("look again after %v, want 21s (the 10s-ready pod is available 20s from now)", next)
	}
	failure := &appsv1.ReplicaSetCondition{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate", Message: "quota"}
	st, _ = computeStatus(rs, pods, failure, anchor)
	if len(st.Conditions) != 1 || st.Conditions[0].Reason != "FailedCreate" {
		t.Errorf("conditions %+v", st.Conditions)
	}
	rs.Status = st
	if st, _ = computeStatus(rs, pods, nil, anchor); len(st.Conditions) != 0 {
		t.Errorf("ReplicaFailure kept after a clean sync: %+v", st.Conditions)
	}
}
