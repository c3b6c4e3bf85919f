package deployment

import (
	"math"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// replicasOf is spec.replicas (1 when unset, as defaulted).
func replicasOf(r *int32) int32 { return ptr.Deref(r, 1) }

// surgeAndUnavailable resolves maxSurge and maxUnavailable against the
// desired replicas as Kubernetes does: a percentage of surge rounds up, of
// unavailable rounds down, and if both come to 0, one pod may be
// unavailable so that the rollout can move at all.
func surgeAndUnavailable(d *appsv1.Deployment) (surge, unavailable int32) {
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType {
		return 0, 0
	}
	ru := d.Spec.Strategy.RollingUpdate
	quarter := intstr.FromString("25%")
	s, u := &quarter, &quarter
	if ru != nil {
		if ru.MaxSurge != nil {
			s = ru.MaxSurge
		}
		if ru.MaxUnavailable != nil {
			u = ru.MaxUnavailable
		}
	}
	want := int(replicasOf(d.Spec.Replicas))
	sv, _ := intstr.GetScaledValueFromIntOrPercent(s, want, true)
	uv, _ := intstr.GetScaledValueFromIntOrPercent(u, want, false)
	if sv == 0 && uv == 0 {
		uv = 1
	}
	return int32(sv), int32(uv)
}

// sets is what a rolling step looks at: the new ReplicaSet (nil until it
// exists) and the old ones, with their spec and status counts.
type sets struct {
	newRS *appsv1.ReplicaSet
	old   []*appsv1.ReplicaSet
}

func specReplicas(rss ...*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += replicasOf(rs.Spec.Replicas)
		}
	}
	return n
}

func availableReplicas(rss ...*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += rs.Status.AvailableReplicas
		}
	}
	return n
}

func (s sets) all() []*appsv1.ReplicaSet { return append([]*appsv1.ReplicaSet{s.newRS}, s.old...) }

// liveReplicas counts, per ReplicaSet, the larger of the pods it wants
// and the pods its status last counted: an old ReplicaSet just scaled
// down still has its surplus pods until its controller deletes them.
func liveReplicas(rss ...*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += max(replicasOf(rs.Spec.Replicas), rs.Status.Replicas)
		}
	}
	return n
}

// newReplicas is the size the new ReplicaSet may grow (or must shrink)
// to: up to the desired count, as long as all pods stay within
// replicas + maxSurge. Kubernetes counts only what the ReplicaSets want,
// so for the moment between an old ReplicaSet's scale-down and its pods'
// deletion it may run one pod too many; ordo also counts the pods they
// still have, so the bound holds throughout.
func newReplicas(d *appsv1.Deployment, s sets) int32 {
	want := replicasOf(d.Spec.Replicas)
	cur := specReplicas(s.newRS)
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType || cur >= want {
		return want
	}
	surge, _ := surgeAndUnavailable(d)
	room := want + surge - liveReplicas(s.all()...)
	if room <= 0 {
		return cur
	}
	return cur + min(room, want-cur)
}

// scaleDownOld says how far each old ReplicaSet shrinks in one rolling
// step (name → new size): never below replicas − maxUnavailable available
// pods, counting the new ReplicaSet's pods that are not available yet as
// unavailable; old pods that are not available go first, then old
// ReplicaSets oldest first.
func scaleDownOld(d *appsv1.Deployment, s sets) map[string]int32 {
	out := map[string]int32{}
	if specReplicas(s.old...) == 0 {
		return out
	}
	want := replicasOf(d.Spec.Replicas)
	_, unavailable := surgeAndUnavailable(d)
	minAvailable := want - unavailable
	newUnavailable := specReplicas(s.newRS) - availableReplicas(s.newRS)
	budget := specReplicas(s.all()...) - minAvailable - newUnavailable
	if budget <= 0 {
		return out
	}
	old := append([]*appsv1.ReplicaSet(nil), s.old...)
	sort.SliceStable(old, func(i, j int) bool { return old[i].CreationTimestamp.Before(&old[j].CreationTimestamp) })
	size := map[string]int32{}
	for _, rs := range old {
		size[rs.Name] = replicasOf(rs.Spec.Replicas)
	}
	// Unhealthy old pods cost no availability.
	for _, rs := range old {
		if budget == 0 {
			break
		}
		unhealthy := min(size[rs.Name]-rs.Status.AvailableReplicas, budget)
		if unhealthy > 0 {
			size[rs.Name] -= unhealthy
			budget -= unhealthy
			out[rs.Name] = size[rs.Name]
		}
	}
	// Then healthy ones, while enough stay available.
	available := availableReplicas(s.all()...)
	down := min(available-minAvailable, budget)
	for _, rs := range old {
		if down <= 0 {
			break
		}
		n := min(size[rs.Name], down)
		if n > 0 {
			size[rs.Name] -= n
			down -= n
			out[rs.Name] = size[rs.Name]
		}
	}
	return out
}

// recreateStep: Recreate scales every old ReplicaSet to 0 and starts the
// new one only once no old pod is left.
func recreateStep(s sets, oldPods int) (scaleOld map[string]int32, startNew bool) {
	scaleOld = map[string]int32{}
	for _, rs := range s.old {
		if replicasOf(rs.Spec.Replicas) != 0 {
			scaleOld[rs.Name] = 0
		}
	}
	return scaleOld, len(scaleOld) == 0 && oldPods == 0
}

// nextRevision is one more than the highest revision of any ReplicaSet.
func nextRevision(rss []*appsv1.ReplicaSet) int64 {
	var top int64
	for _, rs := range rss {
		if rs != nil {
			top = max(top, revisionOf(rs))
		}
	}
	if top == math.MaxInt64 {
		return top
	}
	return top + 1
}
