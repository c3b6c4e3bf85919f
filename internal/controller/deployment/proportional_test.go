package deployment

import (
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/utils/ptr"
)

// sizedFor gives rs the annotations of a scale to replicas/max.
func sizedFor(r *appsv1.ReplicaSet, replicas, maxReplicas int) *appsv1.ReplicaSet {
	r.Annotations = map[string]string{desiredReplicasAnnotation: strconv.Itoa(replicas), maxReplicasAnnotation: strconv.Itoa(maxReplicas)}
	return r
}

// The example of Kubernetes' documentation: 10 replicas, maxSurge 3,
// maxUnavailable 2, mid-rollout with 8 old and 5 new pods wanted; scaling
// to 15 adds 3 to the old ReplicaSet and 2 to the new one.
func TestProportionalScalingMidRollout(t *testing.T) {
	cases := []struct {
		name               string
		replicas           int32
		wantOld, wantNew   int32
		surge, unavailable int
	}{
		{"up 10→15", 15, 11, 7, 3, 2},
		{"down 10→5", 5, 5, 3, 3, 2},
		{"to zero", 0, 0, 0, 3, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := deploy(c.replicas, ip(c.surge), ip(c.unavailable))
			s := sets{newRS: sizedFor(rs("new", 5, 0, time.Minute), 10, 13), old: []*appsv1.ReplicaSet{sizedFor(rs("old", 8, 8, time.Hour), 10, 13)}}
			if !isScalingEvent(d, s) {
				t.Fatal("replicas changed from the sets' desired-replicas: a scaling event")
			}
			got := scaleSizes(d, s)
			if got["old"] != c.wantOld || got["new"] != c.wantNew {
				t.Errorf("sizes %v, want old %d new %d", got, c.wantOld, c.wantNew)
			}
		})
	}
}

func TestScaleSizesOutsideARollout(t *testing.T) {
	d := deploy(6, nil, nil)
	one := sets{newRS: sizedFor(rs("new", 4, 4, time.Minute), 4, 5), old: []*appsv1.ReplicaSet{rs("old", 0, 0, time.Hour)}}
	if got := scaleSizes(d, one); len(got) != 1 || got["new"] != 6 {
		t.Errorf("one active set: %v, want new→6", got)
	}
	none := sets{old: []*appsv1.ReplicaSet{rs("older", 0, 0, 2*time.Hour), rs("newer", 0, 0, time.Hour)}}
	if got := scaleSizes(d, none); len(got) != 1 || got["newer"] != 6 {
		t.Errorf("no active set: %v, want the newest→6", got)
	}
	full := sets{newRS: sizedFor(rs("new", 6, 6, time.Minute), 6, 8), old: []*appsv1.ReplicaSet{rs("old", 2, 2, time.Hour)}}
	if got := scaleSizes(d, full); got["old"] != 0 || len(got) != 1 {
		t.Errorf("saturated new set: %v, want old→0", got)
	}
	if isScalingEvent(d, full) {
		t.Error("sets sized for 6 replicas: not a scaling event")
	}
}

// The rounding's leftover goes to the largest set, the newest on a tie
// when growing.
func TestProportionalLeftoverGoesToTheLargest(t *testing.T) {
	d := deploy(4, ip(0), ip(1))
	s := sets{newRS: sizedFor(rs("c", 1, 0, time.Minute), 3, 3), old: []*appsv1.ReplicaSet{
		sizedFor(rs("a", 1, 1, 3*time.Hour), 3, 3), sizedFor(rs("b", 1, 1, 2*time.Hour), 3, 3)}}
	got := scaleSizes(d, s)
	if got["a"] != 1 || got["b"] != 1 || got["c"] != 2 {
		t.Errorf("sizes %v, want the newest (c) to take the one left over", got)
	}
}

func TestRecreateBetweenSetsIsNoScalingEvent(t *testing.T) {
	d := deploy(5, nil, nil)
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	s := sets{newRS: sizedFor(rs("new", 1, 0, time.Minute), 3, 3), old: []*appsv1.ReplicaSet{sizedFor(rs("old", 2, 2, time.Hour), 3, 3)}}
	if isScalingEvent(d, s) {
		t.Error("a Recreate rollout between sets must be left to finish")
	}
	d.Spec.Replicas = ptr.To[int32](3)
	if isScalingEvent(d, s) {
		t.Error("unchanged replicas")
	}
}
