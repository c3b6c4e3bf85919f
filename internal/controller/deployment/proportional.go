package deployment

import (
	"math"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
)

// activeSets are the ReplicaSets with pods wanted (spec.replicas > 0).
func activeSets(s sets) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range s.all() {
		if rs != nil && replicasOf(rs.Spec.Replicas) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// isScalingEvent: spec.replicas changed since the active ReplicaSets were
// last sized (their desired-replicas annotation says so). Kubernetes then
// only resizes, and the rollout goes on at the next sync.
// A Recreate rollout between sets (old ones still active) is left to
// finish: it sizes the new set itself.
func isScalingEvent(d *appsv1.Deployment, s sets) bool {
	want := strconv.Itoa(int(replicasOf(d.Spec.Replicas)))
	active := activeSets(s)
	if len(active) > 1 && d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return false
	}
	for _, rs := range active {
		if got, ok := rs.Annotations[desiredReplicasAnnotation]; ok && got != want {
			return true
		}
	}
	return false
}

// scaleSizes is Kubernetes' Deployment scale step (name → new size):
//   - with one active ReplicaSet (or none: the newest one), it takes
//     spec.replicas;
//   - once the new ReplicaSet is saturated (all replicas wanted and
//     available), the old ones go to 0;
//   - mid-rollout (RollingUpdate), the change is spread over the active
//     ReplicaSets in proportion to their size against the max-replicas
//     they were sized for, so a scale during a rollout neither starves nor
//     floods either side; the rounding's leftover goes to the largest.
func scaleSizes(d *appsv1.Deployment, s sets) map[string]int32 {
	want := replicasOf(d.Spec.Replicas)
	active := activeSets(s)
	switch {
	case len(active) == 0:
		if latest := newestSet(s); latest != nil {
			return map[string]int32{latest.Name: want}
		}
		return nil
	case len(active) == 1:
		return map[string]int32{active[0].Name: want}
	case saturated(d, s.newRS):
		out := map[string]int32{}
		for _, rs := range s.old {
			out[rs.Name] = 0
		}
		return out
	case d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType:
		return nil
	}
	return proportionalSizes(d, active)
}

func proportionalSizes(d *appsv1.Deployment, active []*appsv1.ReplicaSet) map[string]int32 {
	want := replicasOf(d.Spec.Replicas)
	surge, _ := surgeAndUnavailable(d)
	allowed := int32(0)
	if want > 0 {
		allowed = want + surge
	}
	toAdd := allowed - specReplicas(active...)
	ordered := append([]*appsv1.ReplicaSet(nil), active...)
	sort.SliceStable(ordered, func(i, j int) bool {
		a, b := replicasOf(ordered[i].Spec.Replicas), replicasOf(ordered[j].Spec.Replicas)
		if a != b {
			return a > b
		}
		if toAdd > 0 { // growing: newer first
			return ordered[j].CreationTimestamp.Before(&ordered[i].CreationTimestamp)
		}
		return ordered[i].CreationTimestamp.Before(&ordered[j].CreationTimestamp)
	})
	out := map[string]int32{}
	added := int32(0)
	for _, rs := range ordered {
		n := proportion(d, rs, toAdd, added, want+surge)
		out[rs.Name] = replicasOf(rs.Spec.Replicas) + n
		added += n
	}
	if len(ordered) > 0 && toAdd != added {
		first := ordered[0].Name
		out[first] = max(out[first]+toAdd-added, 0)
	}
	return out
}

// proportion is how many pods one ReplicaSet gains (or loses) of the
// toAdd still unassigned: its size scaled from the max-replicas it was
// sized for to the Deployment's new max, rounded.
func proportion(d *appsv1.Deployment, rs *appsv1.ReplicaSet, toAdd, added, newMax int32) int32 {
	size := replicasOf(rs.Spec.Replicas)
	if size == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	var fraction int32
	if replicasOf(d.Spec.Replicas) == 0 {
		fraction = -size
	} else {
		sizedFor := d.Status.Replicas
		if v, err := strconv.Atoi(rs.Annotations[maxReplicasAnnotation]); err == nil {
			sizedFor = int32(v)
		}
		if sizedFor <= 0 {
			return 0
		}
		fraction = int32(math.Round(float64(size)*float64(newMax)/float64(sizedFor))) - size
	}
	left := toAdd - added
	if toAdd > 0 {
		return min(fraction, left)
	}
	return max(fraction, left)
}

// saturated: the new ReplicaSet wants all the Deployment's replicas and
// has them available.
func saturated(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	want := replicasOf(d.Spec.Replicas)
	return replicasOf(rs.Spec.Replicas) == want && rs.Annotations[desiredReplicasAnnotation] == strconv.Itoa(int(want)) &&
		rs.Status.AvailableReplicas == want
}

// newestSet is the new ReplicaSet, else the most recently created old one.
func newestSet(s sets) *appsv1.ReplicaSet {
	if s.newRS != nil {
		return s.newRS
	}
	var newest *appsv1.ReplicaSet
	for _, rs := range s.old {
		if newest == nil || newest.CreationTimestamp.Before(&rs.CreationTimestamp) {
			newest = rs
		}
	}
	return newest
}
