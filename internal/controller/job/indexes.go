package job

import (
	"math"
	"slices"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// indexSet lists the indexes of pods, sorted, without repeats.
func indexSet(pods []*corev1.Pod) []int {
	var out []int
	for _, p := range pods {
		if ix := completionIndex(p); ix != noIndex {
			out = append(out, ix)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// firstPendingIndexes returns up to count indexes below completions that no
// active pod holds and that have neither succeeded nor failed for good;
// with podReplacementPolicy Failed, indexes of terminating pods wait too.
func firstPendingIndexes(s *state, count int) []int {
	if count <= 0 {
		return nil
	}
	busy := s.succeededIdx.withIndexes(indexSet(s.active))
	if onlyReplaceFailed(s.job) {
		var terminating []*corev1.Pod
		for _, p := range s.pods {
			if isTerminating(p) {
				terminating = append(terminating, p)
			}
		}
		busy = busy.withIndexes(indexSet(terminating))
	}
	busy = busy.merge(s.failedIdx)
	completions := int(*s.job.Spec.Completions)
	out := make([]int, 0, count)
	next := 0
	for _, r := range append(busy, interval{completions, completions}) {
		for ; next < r.first && next < completions && len(out) < count; next++ {
			out = append(out, next)
		}
		if len(out) == count || next >= completions {
			break
		}
		next = max(next, r.last+1)
	}
	return out
}

// annotationCount reads a non-negative int32 annotation, 0 when absent or
// corrupted.
func annotationCount(p *corev1.Pod, key string) int32 {
	v, err := strconv.Atoi(p.Annotations[key])
	if err != nil || v < 0 || v > math.MaxInt32 {
		return 0
	}
	return int32(v)
}

// indexFailures is how many earlier pods of the pod's index failed and
// counted toward backoffLimitPerIndex.
func indexFailures(p *corev1.Pod) int32 {
	return annotationCount(p, batchv1.JobIndexFailureCountAnnotation)
}

// indexAllFailures adds the failures a podFailurePolicy Ignore rule
// excused; back-off still grows with them.
func indexAllFailures(p *corev1.Pod) int32 {
	return indexFailures(p) + annotationCount(p, batchv1.JobIndexIgnoredFailureCountAnnotation)
}

// indexFailed: with backoffLimitPerIndex, the pod's failure exhausts its
// index (or a FailIndex rule matched).
func indexFailed(job *batchv1.Job, p *corev1.Pod) bool {
	if !countsAsFailed(p, job) {
		return false
	}
	v := judgeFailure(job.Spec.PodFailurePolicy, p)
	if v.action != nil && *v.action == batchv1.PodFailurePolicyActionFailIndex {
		return true
	}
	return v.counts && indexFailures(p) >= *job.Spec.BackoffLimitPerIndex
}

// nextIndexCounts are the failure-count annotations of the pod that
// replaces failed: its counts plus this failure.
func nextIndexCounts(job *batchv1.Job, failed *corev1.Pod) (counted, ignored int32) {
	if failed == nil {
		return 0, 0
	}
	counted, ignored = indexFailures(failed), annotationCount(failed, batchv1.JobIndexIgnoredFailureCountAnnotation)
	if judgeFailure(job.Spec.PodFailurePolicy, failed).counts {
		counted++
	} else {
		ignored++
	}
	return counted, ignored
}

// waitingIndexes keeps, per index with no active pod that is neither
// succeeded nor failed, the latest failed pod still holding its finalizer:
// it is kept until its replacement exists, so the replacement can inherit
// the index's failure count.
func waitingIndexes(s *state) map[int]*corev1.Pod {
	out := map[int]*corev1.Pod{}
	busy := indexSet(s.active)
	completions := *s.job.Spec.Completions
	for _, p := range s.uncountedCandidates() {
		if !countsAsFailed(p, s.job) || !validIndex(p, completions) {
			continue
		}
		ix := completionIndex(p)
		if s.succeededIdx.has(ix) || s.failedIdx.has(ix) {
			continue
		}
		if _, found := slices.BinarySearch(busy, ix); found {
			continue
		}
		cur, ok := out[ix]
		if !ok || (indexAllFailures(cur) <= indexAllFailures(p) && !finishedAt(p).Before(finishedAt(cur))) {
			out[ix] = p
		}
	}
	return out
}

// indexBackoff splits pending indexes into those whose back-off is over and
// the shortest wait among the others.
func indexBackoff(pending []int, waiting map[int]*corev1.Pod, now time.Time) ([]int, time.Duration) {
	var ready []int
	var wait time.Duration
	for _, ix := range pending {
		prev := waiting[ix]
		left := time.Duration(0)
		if prev != nil {
			left = backoffLeft(indexAllFailures(prev)+1, finishedAt(prev), now)
		}
		switch {
		case left == 0:
			ready = append(ready, ix)
		case wait == 0 || left < wait:
			wait = left
		}
	}
	if len(ready) > 0 {
		return ready, 0
	}
	return nil, wait
}
