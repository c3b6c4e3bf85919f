package deployment

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

var anchor = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func deploy(replicas int32, surge, unavailable *intstr.IntOrString) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Generation: 3},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To(replicas), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: surge, MaxUnavailable: unavailable}}}}
	return d
}

func rs(name string, replicas, available int32, age time.Duration) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(anchor.Add(-age))},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(replicas)}, Status: appsv1.ReplicaSetStatus{Replicas: replicas, AvailableReplicas: available, ReadyReplicas: available}}
}

func ip(i int) *intstr.IntOrString    { v := intstr.FromInt(i); return &v }
func pc(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }

func TestSurgeAndUnavailable(t *testing.T) {
	cases := []struct {
		replicas           int32
		surge, unavailable *intstr.IntOrString
		wantS, wantU       int32
	}{
		{4, nil, nil, 1, 1},     // 25% of 4 each
		{10, nil, nil, 3, 2},    // surge rounds up, unavailable down
		{1, nil, nil, 1, 0},     // 25% of 1: surge 1, unavailable 0
		{3, ip(0), ip(0), 0, 1}, // both 0: one may be unavailable
		{20, pc("50%"), ip(5), 10, 5},
	}
	for _, c := range cases {
		s, u := surgeAndUnavailable(deploy(c.replicas, c.surge, c.unavailable))
		if s != c.wantS || u != c.wantU {
			t.Errorf("replicas %d surge %v unavailable %v: got %d/%d, want %d/%d", c.replicas, c.surge, c.unavailable, s, u, c.wantS, c.wantU)
		}
	}
	d := deploy(4, nil, nil)
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if s, u := surgeAndUnavailable(d); s != 0 || u != 0 {
		t.Errorf("Recreate: %d/%d", s, u)
	}
}

// TestRollingSteps walks a 4-replica rollout with maxSurge 1 and
// maxUnavailable 1: never more than 5 pods, never fewer than 3 available.
func TestRollingSteps(t *testing.T) {
	d := deploy(4, ip(1), ip(1))
	old := rs("web-old", 4, 4, time.Hour)
	s := sets{newRS: rs("web-new", 0, 0, 0), old: []*appsv1.ReplicaSet{old}}
	if got := newReplicas(d, s); got != 1 {
		t.Fatalf("first growth to %d, want 1 (5 pods at most)", got)
	}
	s.newRS.Spec.Replicas = ptr.To[int32](1)
	down := scaleDownOld(d, s)
	if down["web-old"] != 3 {
		t.Fatalf("old scaled to %v, want 3 (3 available stay)", down)
	}
	old.Spec.Replicas, old.Status.AvailableReplicas = ptr.To[int32](3), 3
	if got := newReplicas(d, s); got != 1 {
		t.Fatalf("growth to %d while the old ReplicaSet still has 4 pods: 6 live, want to wait at 1", got)
	}
	old.Status.Replicas = 3
	if got := newReplicas(d, s); got != 2 {
		t.Fatalf("second growth to %d, want 2 once the old pod is gone", got)
	}
	s.newRS.Spec.Replicas = ptr.To[int32](2)
	if down := scaleDownOld(d, s); len(down) != 0 {
		t.Fatalf("old shrank to %v while the new pods are not available", down)
	}
	s.newRS.Status.AvailableReplicas = 2
	if down := scaleDownOld(d, s); down["web-old"] != 1 {
		t.Fatalf("old scaled to %v, want 1 once the new pods are available", down)
	}
}

func TestScaleDownRemovesUnhealthyOldPodsFirst(t *testing.T) {
	d := deploy(4, ip(0), ip(1))
	broken := rs("web-broken", 2, 0, 2*time.Hour) // never available
	good := rs("web-good", 4, 4, time.Hour)
	s := sets{newRS: rs("web-new", 0, 0, 0), old: []*appsv1.ReplicaSet{good, broken}}
	down := scaleDownOld(d, s)
	if down["web-broken"] != 0 {
		t.Errorf("scale down %v: the broken ReplicaSet's pods go first", down)
	}
	if n, ok := down["web-good"]; ok && n < 3 {
		t.Errorf("scale down %v: only one available pod may go", down)
	}
}

func TestRecreateStep(t *testing.T) {
	s := sets{old: []*appsv1.ReplicaSet{rs("web-old", 2, 2, time.Hour)}}
	scale, start := recreateStep(s, 2)
	if scale["web-old"] != 0 || start {
		t.Errorf("first step: %v start %v", scale, start)
	}
	s.old[0].Spec.Replicas = ptr.To[int32](0)
	if _, start := recreateStep(s, 1); start {
		t.Error("new ReplicaSet started while an old pod remains")
	}
	if _, start := recreateStep(s, 0); !start {
		t.Error("new ReplicaSet not started once the old pods are gone")
	}
}

func TestNewReplicaSetAndStatus(t *testing.T) {
	d := deploy(2, nil, nil)
	r := newReplicaSet(d, 2, 3)
	hash := r.Labels[hashLabel]
	if hash == "" || r.Name != "web-"+hash || r.Spec.Selector.MatchLabels[hashLabel] != hash || r.Spec.Template.Labels[hashLabel] != hash {
		t.Errorf("replicaset %s labels %v selector %v", r.Name, r.Labels, r.Spec.Selector.MatchLabels)
	}
	if revisionOf(r) != 3 || !sameTemplate(r, &d.Spec.Template) {
		t.Errorf("revision %d, same template %v", revisionOf(r), sameTemplate(r, &d.Spec.Template))
	}
	d.Spec.Template.Annotations = map[string]string{"kubectl.kubernetes.io/restartedAt": "now"}
	if sameTemplate(r, &d.Spec.Template) || templateHash(&d.Spec.Template, nil) == hash {
		t.Error("a restart annotation must make a new template")
	}
	r.Status = appsv1.ReplicaSetStatus{Replicas: 2, ReadyReplicas: 2, AvailableReplicas: 1}
	st := computeStatus(deploy(2, nil, nil), sets{newRS: r}, reasonNewRSCreated, anchor)
	if st.Replicas != 2 || st.UpdatedReplicas != 2 || st.AvailableReplicas != 1 || st.UnavailableReplicas != 1 || st.ObservedGeneration != 3 {
		t.Errorf("status %+v", st)
	}
	// 25% of 2 rounds down to 0 unavailable (surge rounds up to 1): both
	// pods must be available.
	if c := condition(&st, appsv1.DeploymentAvailable); c == nil || c.Status != corev1.ConditionFalse || c.Reason != reasonMinUnavailable {
		t.Errorf("Available %+v, want False with 1 of 2 available", c)
	}
	if c := condition(&st, appsv1.DeploymentProgressing); c == nil || c.Reason != reasonNewRSCreated {
		t.Errorf("Progressing %+v", c)
	}
	late := deploy(2, nil, nil)
	late.Spec.ProgressDeadlineSeconds = ptr.To[int32](60)
	late.Status = st
	st = computeStatus(late, sets{newRS: r}, "", anchor.Add(2*time.Minute))
	if c := condition(&st, appsv1.DeploymentProgressing); c == nil || c.Status != corev1.ConditionFalse || c.Reason != reasonTimedOut {
		t.Errorf("after the deadline, Progressing %+v", c)
	}
	r.Status.AvailableReplicas = 2
	st = computeStatus(late, sets{newRS: r}, "", anchor.Add(3*time.Minute))
	if c := condition(&st, appsv1.DeploymentProgressing); c == nil || c.Status != corev1.ConditionTrue || c.Reason != reasonNewRSAvailable {
		t.Errorf("complete, Progressing %+v", c)
	}
}
