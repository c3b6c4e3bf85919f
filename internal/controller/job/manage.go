package job

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// maxPodChangesPerSync caps the pods created or deleted in one sync, as in
// Kubernetes, so one huge Job cannot starve the others.
const maxPodChangesPerSync = 500

// podActions are the pod creations and deletions one sync decided on.
type podActions struct {
	// finishing: the Job met a success or failure criterion; every active
	// pod is deleted keeping its finalizer, so it is still counted.
	finishing bool
	// deletes are active pods to delete; these are surplus or suspended
	// pods, whose finalizer is removed first because they do not count.
	deletes []*corev1.Pod
	// create is how many pods to create (NonIndexed); indexes which
	// (Indexed).
	create  int
	indexes []int
	// managed: the Job's pods were reconciled against its spec this sync,
	// so its Suspended condition may be brought up to date.
	managed bool
	// retryAfter is the pod failure back-off still to wait before creating.
	retryAfter time.Duration
}

// decidePods decides what to create or delete. A finishing Job loses its
// active pods. Otherwise nothing is done until the cache shows every pod
// this process created or deleted (else a stale cache would double them),
// nor once the Job is being deleted. A sync creates or deletes, never both.
func (s *state) decidePods() podActions {
	if s.finished != nil {
		return podActions{finishing: true, deletes: s.active}
	}
	if !s.satisfied || s.job.DeletionTimestamp != nil {
		return podActions{}
	}
	a := podActions{managed: true}
	active := len(s.active)
	if isSuspended(s.job) {
		a.deletes = podsForRemoval(s.job, s.active, active)
		return a
	}
	want := s.wantActive()
	a.deletes = podsForRemoval(s.job, s.active, active-want)
	if len(a.deletes) > maxPodChangesPerSync {
		a.deletes = a.deletes[:maxPodChangesPerSync]
	}
	if len(a.deletes) > 0 {
		return a
	}
	waiting := 0
	if onlyReplaceFailed(s.job) {
		waiting = int(s.terminating)
	}
	diff := min(want-waiting-active, maxPodChangesPerSync)
	if diff <= 0 {
		return a
	}
	if !hasBackoffLimitPerIndex(s.job) {
		if left := s.nextBackoff.remaining(s.now); left > 0 {
			a.retryAfter = left
			return a
		}
	}
	if !isIndexed(s.job) {
		a.create = diff
		return a
	}
	a.indexes = firstPendingIndexes(s, diff)
	if hasBackoffLimitPerIndex(s.job) {
		a.indexes, a.retryAfter = indexBackoff(a.indexes, s.waiting, s.now)
	}
	return a
}

// wantActive is how many pods should run: parallelism, but no more than
// the completions still missing. Without completions (a work queue), once
// one pod succeeded no new pod starts and the running ones finish.
func (s *state) wantActive() int {
	parallelism := 1
	if p := s.job.Spec.Parallelism; p != nil {
		parallelism = int(*p)
	}
	if s.job.Spec.Completions == nil {
		if s.succeeded > 0 {
			return len(s.active)
		}
		return parallelism
	}
	return max(0, min(parallelism, int(*s.job.Spec.Completions-s.succeeded)))
}
