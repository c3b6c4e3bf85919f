package job

import (
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
)

// maxUncounted caps status.uncountedTerminatedPods, as Kubernetes does, to
// keep the status small; the next sync takes the rest.
const maxUncounted = 500

// podResults is what came of podActions.
type podResults struct {
	created             int32
	deleted, deletedRdy int32
	deleteFailed        bool
}

// statusPlan is the one status write of a sync and what follows it.
type statusPlan struct {
	write bool
	// removeFinalizers lists pods whose end the written status accounts
	// for (in uncountedTerminatedPods or completedIndexes), or which will
	// never count; only after the write may their finalizers go.
	removeFinalizers []*corev1.Pod
	// finished is the terminal condition this write adds, for the event and
	// metric.
	finished *batchv1.JobCondition
	// event is Suspended or Resumed when that condition flips.
	event string
}

// decideStatus computes the Job's new status from the assessment and the
// pod actions' results, following the uncountedTerminatedPods protocol: a
// finished pod's UID is written to status before its finalizer goes, and
// moves into succeeded/failed once the finalizer is gone; the terminal
// condition waits until nothing is uncounted or terminating.
func (s *state) decideStatus(a podActions, r podResults, old *batchv1.JobStatus) statusPlan {
	var plan statusPlan
	st := &s.job.Status
	active, ready, terminating := int32(len(s.active)), s.ready, s.terminating
	finished := s.finished
	active, ready, terminating = active+r.created-r.deleted, ready-r.deletedRdy, terminating+r.deleted
	if a.finishing {
		if r.deleteFailed || r.deleted != int32(len(a.deletes)) || !s.satisfied {
			finished = nil // pods may remain that the cache does not show yet
		}
	} else if s.complete(active) {
		finished = newCondition(batchv1.JobSuccessCriteriaMet, batchv1.JobReasonCompletionsReached, msgCompletions, s.now)
	} else if a.managed {
		plan.event = s.updateSuspended()
	}
	st.Active, st.Ready, st.Terminating = active, &ready, &terminating

	var reachedMax bool
	plan.removeFinalizers, reachedMax = s.account(finished)
	finished = s.addInterim(finished)
	// The terminal condition comes last: once it is written the Job is
	// never synced again, so no pod may still hold its finalizer, be
	// uncounted, or be terminating.
	if finished != nil && !reachedMax && len(plan.removeFinalizers) == 0 && terminating == 0 &&
		len(st.UncountedTerminatedPods.Succeeded)+len(st.UncountedTerminatedPods.Failed) == 0 {
		st.Conditions, _ = setCondition(st.Conditions, *finished)
		if finished.Type == batchv1.JobComplete {
			st.CompletionTime = &finished.LastTransitionTime
		}
		plan.finished = finished
	}
	plan.write = !equality.Semantic.DeepEqual(*old, *st)
	return plan
}

// complete: enough pods succeeded and none runs. Without completions, one
// success is enough once the others have finished.
func (s *state) complete(active int32) bool {
	if active != 0 {
		return false
	}
	if s.job.Spec.Completions == nil {
		return s.succeeded > 0
	}
	return s.succeeded >= *s.job.Spec.Completions
}

// updateSuspended brings the Suspended condition in line with
// spec.suspend. Suspending clears startTime (as Kubernetes does since
// KEP-5440) and resuming sets it anew: activeDeadlineSeconds counts time
// continuously active.
func (s *state) updateSuspended() string {
	st := &s.job.Status
	suspend := isSuspended(s.job)
	var changed bool
	st.Conditions, changed = setCondition(st.Conditions, suspendCondition(suspend, s.now))
	switch {
	case !changed:
		return ""
	case suspend:
		st.StartTime = nil
		return eventSuspended
	default:
		t := metav1.NewTime(s.now)
		st.StartTime = &t
		return eventResumed
	}
}

// account moves uncounted pods whose finalizer is gone into the counters,
// records newly finished tracked pods, and returns the pods whose
// finalizers may go after the write.
func (s *state) account(finished *batchv1.JobCondition) (remove []*corev1.Pod, reachedMax bool) {
	st := &s.job.Status
	withFinalizer := sets.New[types.UID]()
	for _, p := range s.pods {
		if s.tracked(p) {
			withFinalizer.Insert(p.UID)
		}
	}
	flushUncounted(st, withFinalizer)
	u := st.UncountedTerminatedPods
	indexed, n := isIndexed(s.job), completions(s.job)
	var newIdx []int
	for _, p := range s.pods {
		if !s.tracked(p) {
			continue
		}
		if !s.canRemoveFinalizer(p, finished) {
			continue
		}
		failed := countsAsFailed(p, s.job)
		remove = append(remove, p)
		switch {
		case p.Status.Phase == corev1.PodSucceeded && !s.uncountedFailed.Has(p.UID):
			if !indexed && !s.uncountedSucceeded.Has(p.UID) {
				u.Succeeded = append(u.Succeeded, p.UID)
			} else if indexed && validIndex(p, n) && !s.prevSucceededIdx.has(completionIndex(p)) {
				newIdx = append(newIdx, completionIndex(p))
			}
		case failed || (finished != nil && finished.Type != batchv1.JobSuccessCriteriaMet):
			// Once the Job is ending, its unfinished pods count as failed.
			if !s.uncountedFailed.Has(p.UID) && (!indexed || validIndex(p, n)) &&
				judgeFailure(s.job.Spec.PodFailurePolicy, p).counts {
				u.Failed = append(u.Failed, p.UID)
			}
		}
		if len(newIdx)+len(u.Succeeded)+len(u.Failed) >= maxUncounted {
			reachedMax = true
			break
		}
	}
	if indexed {
		slices.Sort(newIdx)
		s.succeededIdx = s.succeededIdx.withIndexes(slices.Compact(newIdx))
		st.CompletedIndexes, st.Succeeded = s.succeededIdx.String(), int32(s.succeededIdx.total())
		if hasBackoffLimitPerIndex(s.job) {
			failed := s.failedIdx.String()
			st.FailedIndexes = &failed
		}
	}
	return remove, reachedMax
}

// canRemoveFinalizer: once the Job is ending or being deleted every pod may
// go; otherwise finished pods may, except the last failed pod of an index
// waiting for its replacement (which inherits its failure count).
func (s *state) canRemoveFinalizer(p *corev1.Pod, finished *batchv1.JobCondition) bool {
	if s.job.DeletionTimestamp != nil || finished != nil || p.Status.Phase == corev1.PodSucceeded {
		return true
	}
	if !countsAsFailed(p, s.job) {
		return false
	}
	if w := s.waiting[completionIndex(p)]; w != nil && w.UID == p.UID {
		return false
	}
	return true
}

// flushUncounted moves UIDs of pods that no longer hold the finalizer (or
// are gone) from uncountedTerminatedPods into succeeded and failed: their
// finalizer removal proves no later sync will count them again.
func flushUncounted(st *batchv1.JobStatus, withFinalizer sets.Set[types.UID]) {
	u := st.UncountedTerminatedPods
	keep := func(uids []types.UID) ([]types.UID, int32) {
		var kept []types.UID
		for _, uid := range uids {
			if withFinalizer.Has(uid) {
				kept = append(kept, uid)
			}
		}
		return kept, int32(len(uids) - len(kept))
	}
	var moved int32
	u.Succeeded, moved = keep(u.Succeeded)
	st.Succeeded += moved
	u.Failed, moved = keep(u.Failed)
	st.Failed += moved
}

// addInterim writes FailureTarget or SuccessCriteriaMet, which must be in
// status before pods are let go, and returns the terminal condition they
// lead to.
func (s *state) addInterim(c *batchv1.JobCondition) *batchv1.JobCondition {
	if c == nil || (c.Type != batchv1.JobFailureTarget && c.Type != batchv1.JobSuccessCriteriaMet) {
		return c
	}
	st := &s.job.Status
	if !conditionTrue(st.Conditions, c.Type) {
		st.Conditions, _ = setCondition(st.Conditions, *c)
	}
	return terminalFor(c, s.now)
}
