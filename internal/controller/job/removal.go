package job

import (
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// phaseRank orders pods by how far they got: removing a pending pod wastes
// less work than removing a running one.
var phaseRank = map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}

// cheaperToRemove is Kubernetes' order for choosing active pods to delete:
// unscheduled before scheduled, pending before running, not ready before
// ready, ready for less time before more, more restarts before fewer, and
// newer before older.
func cheaperToRemove(a, b *corev1.Pod) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if ra, rb := phaseRank[a.Status.Phase], phaseRank[b.Status.Phase]; ra != rb {
		return ra < rb
	}
	if ia, ib := isReady(a), isReady(b); ia != ib {
		return !ia
	} else if ia {
		ta, tb := readySince(a), readySince(b)
		if !ta.Equal(tb) {
			return ta.After(tb)
		}
	}
	if ra, rb := maxRestarts(a), maxRestarts(b); ra != rb {
		return ra > rb
	}
	return a.CreationTimestamp.After(b.CreationTimestamp.Time)
}

func readySince(p *corev1.Pod) time.Time {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

func maxRestarts(p *corev1.Pod) int32 {
	var n int32
	for _, cs := range p.Status.ContainerStatuses {
		n = max(n, cs.RestartCount)
	}
	return n
}

// podsForRemoval picks at least atLeast active pods to delete. For an
// Indexed Job it first picks every pod with a missing or out-of-range index
// and all but the most advanced pod of each repeated index, whatever
// atLeast says: such pods can never count.
func podsForRemoval(job *batchv1.Job, active []*corev1.Pod, atLeast int) []*corev1.Pod {
	var rm, keep []*corev1.Pod
	if isIndexed(job) {
		rm, keep = surplusIndexPods(active, *job.Spec.Completions)
	} else {
		keep = append(keep, active...)
	}
	if n := atLeast - len(rm); n > 0 {
		sort.SliceStable(keep, func(i, j int) bool { return cheaperToRemove(keep[i], keep[j]) })
		rm = append(rm, keep[:min(n, len(keep))]...)
	}
	return rm
}

// surplusIndexPods splits active pods of an Indexed Job into those to remove
// (invalid or repeated indexes) and those to keep (one per index).
func surplusIndexPods(active []*corev1.Pod, completions int32) (rm, keep []*corev1.Pod) {
	best := map[int]*corev1.Pod{}
	for _, p := range active {
		if !validIndex(p, completions) {
			rm = append(rm, p)
			continue
		}
		ix := completionIndex(p)
		cur, seen := best[ix]
		switch {
		case !seen:
			best[ix] = p
		case cheaperToRemove(p, cur):
			rm = append(rm, p)
		default:
			rm = append(rm, cur)
			best[ix] = p
		}
	}
	for _, p := range active {
		if ix := completionIndex(p); ix != noIndex && best[ix] == p {
			keep = append(keep, p)
		}
	}
	return rm, keep
}
