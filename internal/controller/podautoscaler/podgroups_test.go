package podautoscaler

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	"k8s.io/utils/ptr"
)

// TestPodUsagesGroupsPodsAsUpstream: a pod whose CPU sample was taken
// within a metrics window of becoming Ready, during its initialization
// period, is Unready (its start-up CPU would otherwise read as load); a
// long-running Ready pod counts; a running pod without metrics is
// Missing; a Pending pod is Unready; deleted and failed pods, and pods
// without a Ready condition, are left out.
func TestPodUsagesGroupsPodsAsUpstream(t *testing.T) {
	pod := func(name string, started, readyAt time.Duration, phase corev1.PodPhase) *corev1.Pod {
		p := runningPod(name, "100m")
		p.Status.Phase = phase
		p.Status.StartTime = ptr.To(metav1.NewTime(t0.Add(-started)))
		p.Status.Conditions[0].LastTransitionTime = metav1.NewTime(t0.Add(-readyAt))
		return p
	}
	old := pod("old", 10*time.Minute, 10*time.Minute, corev1.PodRunning)
	fresh := pod("fresh", 20*time.Second, 10*time.Second, corev1.PodRunning)
	settled := pod("settled", 2*time.Minute, 90*time.Second, corev1.PodRunning)
	pending := pod("pending", time.Second, time.Second, corev1.PodPending)
	noMetrics := pod("nometrics", 10*time.Minute, 10*time.Minute, corev1.PodRunning)
	failed := pod("failed", 10*time.Minute, 10*time.Minute, corev1.PodFailed)
	deleted := pod("deleted", 10*time.Minute, 10*time.Minute, corev1.PodRunning)
	deleted.DeletionTimestamp = ptr.To(metav1.NewTime(t0))
	noReady := pod("noready", 10*time.Minute, 10*time.Minute, corev1.PodRunning)
	noReady.Status.Conditions = nil
	var metrics []metricsv1beta1.PodMetrics
	for _, n := range []string{"old", "fresh", "settled", "failed", "deleted", "noready"} {
		metrics = append(metrics, *podMetrics(n, "90m"))
	}
	got := podUsages(corev1.ResourceCPU, []*corev1.Pod{old, fresh, settled, pending, noMetrics, failed, deleted, noReady}, metrics, t0)
	want := []PodUsage{
		{Usage: 90, Request: 100},                // old
		{Usage: 90, Request: 100, Unready: true}, // fresh: sampled within a window of Ready
		{Usage: 90, Request: 100},                // settled: Ready for longer than a window
		{Request: 100, Unready: true},            // pending
		{Request: 100, Missing: true},            // no metrics
	}
	if len(got) != len(want) {
		t.Fatalf("podUsages = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pod %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// Memory has no initialization period: the fresh pod counts.
	if mem := podUsages(corev1.ResourceMemory, []*corev1.Pod{fresh}, metrics, t0); len(mem) != 1 || mem[0].Unready {
		t.Errorf("memory: %+v", mem)
	}
}

// TestRecommendDampsByUnreadyAndMissingPods: unready and missing pods can
// only hold a change back, never cause one.
func TestRecommendDampsByUnreadyAndMissingPods(t *testing.T) {
	ready := PodUsage{Usage: 200, Request: 100} // 200 % against 50 %: ×4
	cases := []struct {
		name    string
		current int32
		pods    []PodUsage
		want    int32
	}{
		{"ready only scales up", 1, []PodUsage{ready}, 4},
		{"a starting pod counts as idle when scaling up", 2, []PodUsage{ready, {Usage: 900, Request: 100, Unready: true}}, 4},
		{"idle ready pods and a missing pod hold a scale down back", 3, []PodUsage{{Usage: 40, Request: 100}, {Usage: 40, Request: 100}, {Request: 100, Missing: true}}, 3},
		{"unready pods do not hold a scale down back", 4, []PodUsage{{Usage: 5, Request: 100}, {Usage: 5, Request: 100}, {Usage: 500, Request: 100, Unready: true}}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, ok := Recommend(c.current, c.pods, utilization(50))
			if !ok || rec.Replicas != c.want {
				t.Errorf("Recommend = %+v, %v; want %d", rec, ok, c.want)
			}
		})
	}
}
