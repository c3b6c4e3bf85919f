package scheduler

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Back-off between two attempts at one pod, Kubernetes' scheduler's
// podInitialBackoffDuration and podMaxBackoffDuration: a pod that a
// cluster event moves back is not tried again before its back-off, which
// doubles with each failed attempt, has passed since its last attempt.
const (
	initialBackoff = time.Second
	maxBackoff     = 10 * time.Second
)

// maxWaitUnschedulable is Kubernetes' podMaxInUnschedulablePodsDuration:
// a pod no event has moved is tried again after this long anyway, in case
// an event that would have let it fit was not one the scheduler watches.
const maxWaitUnschedulable = 5 * time.Minute

// clusterEvent is a change in the cluster that may let a pod no node fits
// fit now, after Kubernetes' scheduler's ClusterEvents. Between events,
// unschedulable pods are left alone: trying them again on a timer would
// redo the same failing decision (and its event) for every pod, all the
// time, while nothing changes.
type clusterEvent int

const (
	// evNodeAdd: a new node may fit anything.
	evNodeAdd clusterEvent = iota
	// evNodeUpdate: labels, taints, unschedulable, readiness or allocatable
	// changed (nodeChanged filters out heartbeats).
	evNodeUpdate
	// evAssignedPodFree: a bound pod was deleted or finished, freeing its
	// resources and pod slot, and ending its anti-affinity.
	evAssignedPodFree
	// evAssignedPodAdd: a pod was bound or an assigned pod's labels
	// changed, which may satisfy another pod's required pod affinity.
	evAssignedPodAdd
	// evClaimChange: a claim appeared or changed (bound, a volume
	// provisioned), which may unblock pods that mount claims.
	evClaimChange
)

// String names the event for the logs.
func (e clusterEvent) String() string {
	switch e {
	case evNodeAdd:
		return "NodeAdd"
	case evNodeUpdate:
		return "NodeUpdate"
	case evAssignedPodFree:
		return "AssignedPodDelete"
	case evAssignedPodAdd:
		return "AssignedPodAdd"
	case evClaimChange:
		return "PersistentVolumeClaimChange"
	}
	return "Unknown"
}

// moves says whether ev may let pod fit, so that it goes back to the
// queue, as Kubernetes' plugins' queueing hints decide: node events and
// freed resources concern every pod; a pod added to a node can only help
// pods with required pod affinity (it cannot free anything); claim changes
// concern pods that mount claims.
func (ev clusterEvent) moves(pod *corev1.Pod) bool {
	switch ev {
	case evNodeAdd, evNodeUpdate, evAssignedPodFree:
		return true
	case evAssignedPodAdd:
		a := pod.Spec.Affinity
		return a != nil && a.PodAffinity != nil && len(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution) > 0
	case evClaimChange:
		for _, v := range pod.Spec.Volumes {
			if v.PersistentVolumeClaim != nil || v.Ephemeral != nil {
				return true
			}
		}
	}
	return false
}

// backoff is the back-off after `failures` failed attempts: doubling from
// initialBackoff, capped at maxBackoff.
func backoff(failures int) time.Duration {
	d := initialBackoff
	for i := 1; i < failures && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// waiting is what the scheduler knows of a pod it has tried and failed to
// place.
type waiting struct {
	pod      *corev1.Pod // as last tried (the informer's copy: read-only)
	failures int         // failed attempts in a row
	last     time.Time   // when the last one ended
	// parked: the pod sits in the unschedulable set until an event moves
	// it or maxWaitUnschedulable passes; false once it was moved (it is
	// then in the queue, possibly waiting out its back-off).
	parked bool
	// moved: the pod's own update moved it during an attempt.
	moved bool
	// waived: an event moved the pod while no other pod was queued, so its
	// back-off is not waited out (Kubernetes' SchedulerPopFromBackoffQ,
	// on by default since 1.33: an idle scheduler pops pods from its
	// back-off queue). The next failure ends it.
	waived bool
}

// retryIn is how long after now the pod may be tried: when parked, once
// maxWaitUnschedulable has passed since its last attempt; when moved, once
// its back-off has. Zero means now, as for a pod never failed.
func (w waiting) retryIn(now time.Time) time.Duration {
	if w.failures == 0 || (w.waived && !w.parked) {
		return 0
	}
	wait := backoff(w.failures)
	if w.parked {
		wait = maxWaitUnschedulable
	}
	return max(0, w.last.Add(wait).Sub(now))
}
