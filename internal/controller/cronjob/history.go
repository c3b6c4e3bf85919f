package cronjob

import (
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
)

// pruneHistory picks the finished Jobs beyond successfulJobsHistoryLimit
// and failedJobsHistoryLimit, oldest start first, as Kubernetes does; an
// unset limit keeps every Job of its kind. A Job whose slot is later than
// recorded is kept: its slot is not in status yet, and deleting it would let
// a restarted controller create it again.
func pruneHistory(in *input, recorded time.Time, p *plan) {
	var succeeded, failed []*batchv1.Job
	for _, j := range in.jobs {
		cond, done := finished(j)
		if !done || j.DeletionTimestamp != nil {
			continue
		}
		if slot, ok := scheduledTime(in.cj, j); ok && slot.After(recorded) {
			continue
		}
		if cond == batchv1.JobComplete {
			succeeded = append(succeeded, j)
		} else {
			failed = append(failed, j)
		}
	}
	p.deleteHistory = append(p.deleteHistory, oldestBeyond(succeeded, in.cj.Spec.SuccessfulJobsHistoryLimit)...)
	p.deleteHistory = append(p.deleteHistory, oldestBeyond(failed, in.cj.Spec.FailedJobsHistoryLimit)...)
}

// oldestBeyond returns the jobs that exceed limit, oldest first.
func oldestBeyond(jobs []*batchv1.Job, limit *int32) []*batchv1.Job {
	if limit == nil || len(jobs) <= int(*limit) {
		return nil
	}
	sorted := append([]*batchv1.Job(nil), jobs...)
	sort.SliceStable(sorted, func(a, b int) bool { return startedBefore(sorted[a], sorted[b]) })
	return sorted[:len(sorted)-int(*limit)]
}

// startedBefore orders by status.startTime, Jobs that never started last,
// then by name.
func startedBefore(a, b *batchv1.Job) bool {
	sa, sb := a.Status.StartTime, b.Status.StartTime
	switch {
	case sa == nil && sb == nil:
		return a.Name < b.Name
	case sa == nil:
		return false
	case sb == nil:
		return true
	case sa.Equal(sb):
		return a.Name < b.Name
	}
	return sa.Before(sb)
}
