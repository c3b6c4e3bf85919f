package replicaset

import (
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/ordo-dev/ordo/internal/controller/podcontrol"
)

// burstReplicas caps the creations or deletions of one sync, as
// Kubernetes' replicaset controller does.
const burstReplicas = 500

// isActive: the pod counts towards replicas (not finished, not deleting).
func isActive(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// activePods keeps the active pods.
func activePods(pods []*corev1.Pod) []*corev1.Pod {
	out := make([]*corev1.Pod, 0, len(pods))
	for _, p := range pods {
		if isActive(p) {
			out = append(out, p)
		}
	}
	return out
}

// manage decides how many pods to create, or which to delete, to bring the
// active pods to want, at most burstReplicas either way.
func manage(want int, active []*corev1.Pod, now time.Time) (create int, remove []*corev1.Pod) {
	diff := len(active) - want
	switch {
	case diff < 0:
		return min(-diff, burstReplicas), nil
	case diff > 0:
		ranked := append([]*corev1.Pod(nil), active...)
		sort.SliceStable(ranked, func(i, j int) bool { return deleteFirst(ranked[i], ranked[j], now) })
		return 0, ranked[:min(diff, burstReplicas)]
	}
	return 0, nil
}

// deleteFirst is Kubernetes' ActivePods order, the pods to give up first
// ahead: unscheduled before scheduled, Pending before Unknown before
// Running, not ready before ready, ready for less time before longer,
// more restarts before fewer, newer before older.
func deleteFirst(a, b *corev1.Pod, now time.Time) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if ra, rb := phaseRank(a.Status.Phase), phaseRank(b.Status.Phase); ra != rb {
		return ra < rb
	}
	readyA, sinceA := podcontrol.ReadySince(a)
	readyB, sinceB := podcontrol.ReadySince(b)
	if readyA != readyB {
		return !readyA
	}
	if readyA && !sinceA.Equal(sinceB) {
		return sinceA.After(sinceB)
	}
	if ca, cb := restarts(a), restarts(b); ca != cb {
		return ca > cb
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.After(b.CreationTimestamp.Time)
	}
	return a.Name < b.Name
}

func phaseRank(p corev1.PodPhase) int {
	switch p {
	case corev1.PodPending, "":
		return 0
	case corev1.PodUnknown:
		return 1
	case corev1.PodRunning:
		return 2
	}
	return 3
}

func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, c := range p.Status.ContainerStatuses {
		n += c.RestartCount
	}
	return n
}

// available: Ready for at least minReady; when it will be, otherwise
// (zero when it is not Ready at all).
func available(p *corev1.Pod, minReady time.Duration, now time.Time) (bool, time.Time) {
	ready, since := podcontrol.ReadySince(p)
	if !ready {
		return false, time.Time{}
	}
	at := since.Add(minReady)
	return minReady == 0 || !now.Before(at), at
}

// computeStatus is the status a sync writes: counts of the active pods,
// the ReplicaFailure condition from the last create or delete error, and
// when to look again for a pod that becomes available with time.
func computeStatus(rs *appsv1.ReplicaSet, pods []*corev1.Pod, failure *appsv1.ReplicaSetCondition, now time.Time) (appsv1.ReplicaSetStatus, *time.Duration) {
	st := appsv1.ReplicaSetStatus{ObservedGeneration: rs.Generation, Conditions: keepConditions(rs.Status.Conditions, failure)}
	template := labels.Set(rs.Spec.Template.Labels)
	minReady := time.Duration(rs.Spec.MinReadySeconds) * time.Second
	var next *time.Duration
	for _, p := range pods {
		if !isActive(p) {
			continue
		}
		st.Replicas++
		if labels.SelectorFromSet(template).Matches(labels.Set(p.Labels)) {
			st.FullyLabeledReplicas++
		}
		if ready, _ := podcontrol.ReadySince(p); ready {
			st.ReadyReplicas++
		}
		ok, at := available(p, minReady, now)
		if ok {
			st.AvailableReplicas++
		} else if !at.IsZero() {
			d := at.Sub(now) + time.Second
			if next == nil || d < *next {
				next = &d
			}
		}
	}
	return st, next
}

// keepConditions sets or clears ReplicaFailure, keeping its transition
// time while it stays.
func keepConditions(old []appsv1.ReplicaSetCondition, failure *appsv1.ReplicaSetCondition) []appsv1.ReplicaSetCondition {
	var out []appsv1.ReplicaSetCondition
	for _, c := range old {
		if c.Type != appsv1.ReplicaSetReplicaFailure {
			out = append(out, c)
			continue
		}
		if failure != nil && c.Reason == failure.Reason && c.Message == failure.Message {
			failure = nil
			out = append(out, c)
		}
	}
	if failure != nil {
		out = append(out, *failure)
	}
	return out
}
