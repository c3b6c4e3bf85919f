package ttlafterfinished

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// expiry returns when job may be deleted, and false when it is not up for
// deletion at all: no TTL, not finished, or already being deleted.
func expiry(job *batchv1.Job) (time.Time, bool) {
	if job.DeletionTimestamp != nil || job.Spec.TTLSecondsAfterFinished == nil {
		return time.Time{}, false
	}
	finished, ok := finishTime(job)
	if !ok {
		return time.Time{}, false
	}
	return finished.Add(time.Duration(*job.Spec.TTLSecondsAfterFinished) * time.Second), true
}

// finishTime is status.completionTime for a Complete Job, else the
// terminal condition's lastTransitionTime.
func finishTime(job *batchv1.Job) (time.Time, bool) {
	for _, c := range job.Status.Conditions {
		if c.Status != corev1.ConditionTrue || (c.Type != batchv1.JobComplete && c.Type != batchv1.JobFailed) {
			continue
		}
		if c.Type == batchv1.JobComplete && job.Status.CompletionTime != nil {
			return job.Status.CompletionTime.Time, true
		}
		if c.LastTransitionTime.IsZero() {
			return time.Time{}, false // a finished Job with no time: nothing to count from
		}
		return c.LastTransitionTime.Time, true
	}
	return time.Time{}, false
}

// decision is what to do with a Job at now.
type decision struct {
	// remove: the TTL has passed.
	remove bool
	// after is how long until it passes, when it has not.
	after time.Duration
}

// decide returns nil when job is not up for deletion at all.
func decide(job *batchv1.Job, now time.Time) *decision {
	at, ok := expiry(job)
	if !ok {
		return nil
	}
	if left := at.Sub(now); left > 0 {
		return &decision{after: left}
	}
	return &decision{remove: true}
}
