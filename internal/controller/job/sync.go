package job

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"

	shared "github.com/ordo-dev/ordo/internal/controller/expectations"
)

// sync brings one Job forward: decide from the cache, act on pods, decide
// the status from what the actions did, write it once, then let go of the
// pods the written status accounts for.
func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil // not a key we queued; retrying cannot help
	}
	cached, err := c.jobLister.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(key)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if managedElsewhere(cached) {
		return nil, nil
	}
	job := c.written.latest(key, cached).DeepCopy()
	if isFinished(job) {
		c.forget(key)
		return nil, nil
	}
	if m := job.Spec.CompletionMode; m != nil && *m != batchv1.NonIndexedCompletion && *m != batchv1.IndexedCompletion {
		c.recorder.Event(job, corev1.EventTypeWarning, "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown")
		return nil, nil
	}
	now := c.clock.Now()
	// Expectations are read before the pods: a pod appearing in between
	// makes this sync wait rather than count it twice.
	satisfied := c.expect.Satisfied(key, now)
	pods, err := c.claimPods(ctx, job)
	if err != nil {
		return nil, err
	}
	old := job.Status.DeepCopy()
	s := assess(input{job: job, pods: pods, now: now, satisfied: satisfied,
		removed: c.expect.removedFinalizers(key), backoff: c.backoff.get(key)})
	actions := s.decidePods()
	results, podErr := c.applyPods(ctx, key, s, actions)
	plan := s.decideStatus(actions, results, old)
	if err := c.applyStatus(ctx, key, job, plan); err != nil {
		return nil, err
	}
	c.backoff.set(key, s.nextBackoff)
	if podErr != nil {
		return nil, podErr
	}
	return requeueAfter(s, actions), nil
}

// requeueAfter is the earliest time-driven change: the active deadline, the
// end of a back-off, or the expectations' expiry when pod events may have
// been lost. Pod and Job events wake the Job for everything else.
func requeueAfter(s *state, a podActions) *time.Duration {
	var after *time.Duration
	earliest := func(d time.Duration) {
		if d > 0 && (after == nil || d < *after) {
			after = &d
		}
	}
	if s.deadlineIn != nil {
		earliest(*s.deadlineIn)
	}
	earliest(a.retryAfter)
	if !s.satisfied {
		earliest(shared.TTL)
	}
	return after
}

func (c *Controller) forget(key string) {
	c.expect.forget(key)
	c.backoff.forget(key)
	c.written.forget(key)
}
