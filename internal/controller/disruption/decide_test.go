package disruption

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

var now = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)

// pod is a selected pod controlled by owner ("" for none).
func pod(name string, ready bool, owner types.UID) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	if ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	if owner != "" {
		p.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: string(owner), UID: owner, Controller: ptr.To(true)}}
	}
	return p
}

func deleting(p *corev1.Pod) *corev1.Pod {
	p.DeletionTimestamp = &metav1.Time{Time: now}
	return p
}

func pdb(min, max *intstr.IntOrString) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", Generation: 3},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: min, MaxUnavailable: max}}
}

func num(n int32) *intstr.IntOrString  { return ptr.To(intstr.FromInt32(n)) }
func pct(s string) *intstr.IntOrString { return ptr.To(intstr.FromString(s)) }

// Two ReplicaSets of one Deployment of 4 map to the same workload.
var deploymentOf4 = map[types.UID]workload{"rs-a": {uid: "dep", replicas: 4}, "rs-b": {uid: "dep", replicas: 4}}

func TestDecide(t *testing.T) {
	threePods := []*corev1.Pod{pod("a", true, "rs-a"), pod("b", true, "rs-a"), pod("c", true, "rs-b")}
	for _, tc := range []struct {
		name                                string
		pdb                                 *policyv1.PodDisruptionBudget
		pods                                []*corev1.Pod
		scales                              map[types.UID]workload
		expected, desired, healthy, allowed int32
		reason                              string
	}{
		{name: "integer minAvailable counts selected pods", pdb: pdb(num(2), nil), pods: threePods,
			expected: 3, desired: 2, healthy: 3, allowed: 1, reason: policyv1.SufficientPodsReason},
		{name: "minAvailable equal to the pods allows nothing", pdb: pdb(num(3), nil), pods: threePods,
			expected: 3, desired: 3, healthy: 3, allowed: 0, reason: policyv1.InsufficientPodsReason},
		{name: "unready and deleting pods are not healthy", pdb: pdb(num(1), nil),
			pods:     []*corev1.Pod{pod("a", false, "rs-a"), deleting(pod("b", true, "rs-a")), pod("c", true, "rs-a")},
			expected: 3, desired: 1, healthy: 1, allowed: 0, reason: policyv1.InsufficientPodsReason},
		{name: "percentage minAvailable scales from the Deployment once", pdb: pdb(pct("50%"), nil), pods: threePods, scales: deploymentOf4,
			expected: 4, desired: 2, healthy: 3, allowed: 1, reason: policyv1.SufficientPodsReason},
		{name: "maxUnavailable from the workload's scale", pdb: pdb(nil, num(1)), pods: threePods, scales: deploymentOf4,
			expected: 4, desired: 3, healthy: 3, allowed: 0, reason: policyv1.InsufficientPodsReason},
		{name: "maxUnavailable percentage rounds up", pdb: pdb(nil, pct("30%")), pods: threePods, scales: deploymentOf4,
			expected: 4, desired: 2, healthy: 3, allowed: 1, reason: policyv1.SufficientPodsReason},
		{name: "no pods expected allows nothing", pdb: pdb(num(0), nil),
			expected: 0, desired: 0, healthy: 0, allowed: 0, reason: policyv1.InsufficientPodsReason},
		{name: "unmanaged pods count nothing for a percentage", pdb: pdb(nil, pct("50%")),
			pods:     []*corev1.Pod{pod("a", true, "rs-a"), pod("lone", true, "")},
			scales:   map[types.UID]workload{"rs-a": {uid: "rs-a", replicas: 2}},
			expected: 2, desired: 1, healthy: 2, allowed: 1, reason: policyv1.SufficientPodsReason},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := decide(input{pdb: tc.pdb, pods: tc.pods, scales: tc.scales, now: now})
			s := p.status
			if p.failure != nil {
				t.Fatal(p.failure)
			}
			if s.ExpectedPods != tc.expected || s.DesiredHealthy != tc.desired || s.CurrentHealthy != tc.healthy || s.DisruptionsAllowed != tc.allowed {
				t.Errorf("expected/desired/healthy/allowed = %d/%d/%d/%d, want %d/%d/%d/%d", s.ExpectedPods, s.DesiredHealthy,
					s.CurrentHealthy, s.DisruptionsAllowed, tc.expected, tc.desired, tc.healthy, tc.allowed)
			}
			c := apimeta.FindStatusCondition(s.Conditions, policyv1.DisruptionAllowedCondition)
			if c == nil || c.Reason != tc.reason || c.ObservedGeneration != 3 || (c.Status == metav1.ConditionTrue) != (tc.allowed > 0) {
				t.Errorf("condition %+v, want reason %s", c, tc.reason)
			}
			if s.ObservedGeneration != 3 || !p.write {
				t.Errorf("observedGeneration %d, write %v", s.ObservedGeneration, p.write)
			}
		})
	}
}

func TestDecideUnknownControllerFailsSafe(t *testing.T) {
	b := pdb(nil, num(1))
	b.Status = policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 2, ObservedGeneration: 2}
	p := decide(input{pdb: b, pods: []*corev1.Pod{pod("a", true, "gone")}, now: now})
	if p.failure == nil || p.failure.Error() != `found no controllers for pod "a"` {
		t.Fatalf("failure %v", p.failure)
	}
	c := apimeta.FindStatusCondition(p.status.Conditions, policyv1.DisruptionAllowedCondition)
	if p.status.DisruptionsAllowed != 0 || c == nil || c.Reason != policyv1.SyncFailedReason || c.Status != metav1.ConditionFalse || c.Message != p.failure.Error() {
		t.Errorf("status %+v", p.status)
	}
}

func TestDecideDisruptedPods(t *testing.T) {
	b := pdb(num(1), nil)
	recent, old := metav1.NewTime(now.Add(-30*time.Second)), metav1.NewTime(now.Add(-3*time.Minute))
	b.Status.DisruptedPods = map[string]metav1.Time{"a": recent, "b": old, "c": recent, "gone": recent}
	pods := []*corev1.Pod{pod("a", true, ""), pod("b", true, ""), deleting(pod("c", true, "")), pod("d", true, "")}
	p := decide(input{pdb: b, pods: pods, now: now})
	s := p.status
	// a is about to go; b's deletion timed out and counts again; c is
	// being deleted; "gone" is no longer there.
	if len(s.DisruptedPods) != 1 || !s.DisruptedPods["a"].Time.Equal(recent.Time) {
		t.Errorf("disruptedPods %v", s.DisruptedPods)
	}
	if s.CurrentHealthy != 2 || s.DisruptionsAllowed != 1 {
		t.Errorf("healthy %d allowed %d", s.CurrentHealthy, s.DisruptionsAllowed)
	}
	if p.recheck == nil || *p.recheck != 90*time.Second {
		t.Errorf("recheck %v, want 90s", p.recheck)
	}
	if len(p.notDeleted) != 1 || p.notDeleted[0] != "b" {
		t.Errorf("notDeleted %v", p.notDeleted)
	}
}

func TestDecideWritesOnlyChanges(t *testing.T) {
	b := pdb(num(1), nil)
	pods := []*corev1.Pod{pod("a", true, ""), pod("b", true, "")}
	first := decide(input{pdb: b, pods: pods, now: now})
	b.Status = first.status
	again := decide(input{pdb: b, pods: pods, now: now.Add(time.Minute)})
	if again.write {
		t.Errorf("rewrote an unchanged status: %+v", again.status)
	}
}
