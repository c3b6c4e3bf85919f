package cronjob

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var background = metav1.DeletePropagationBackground

// apply carries out a plan: end the Jobs Replace ends, create the runs,
// write status once, prune history, then record events and metrics. A
// failed create stops there: status records only the slots whose Jobs
// exist, so the retry resumes at the first slot that failed.
//
// When it created Jobs, apply leaves status and history to the next pass
// and says so (deferred): the key goes to the back of the queue, behind
// every other CronJob due at the same instant, so a thousand due together
// get their Jobs before any of them spends a write on status. The memo
// keeps the slot from running twice meanwhile.
func (c *Controller) apply(ctx context.Context, cj *batchv1.CronJob, p *plan) (deferred bool, err error) {
	for _, ref := range p.deleteActive {
		if err := c.deleteJob(ctx, cj, ref.Name); err != nil {
			return false, err
		}
	}
	createErr := c.createRuns(ctx, cj, p)
	if createErr == nil && len(p.runs) > 0 {
		c.record(cj, p)
		return true, nil
	}
	if err := c.writeStatus(ctx, cj, p.status); err != nil {
		return false, err
	}
	if createErr != nil {
		return false, createErr
	}
	for _, j := range p.deleteHistory {
		if err := c.deleteJob(ctx, cj, j.Name); err != nil {
			return false, err
		}
	}
	c.record(cj, p)
	return false, nil
}

// record emits the plan's events, counts its missed and skipped runs and
// notes the missed slots in the run record.
func (c *Controller) record(cj *batchv1.CronJob, p *plan) {
	c.book.note(cj, p.record...)
	for _, e := range p.events {
		c.recorder.Event(cj, e.kind, e.reason, e.message)
	}
	for reason, n := range p.missed {
		c.metrics.Missed(reason, n)
	}
	if p.skipped != "" {
		c.metrics.Skipped(p.skipped)
	}
}

// createRuns creates each run's Job and adds it to status.active. A Job
// that already exists under our ownership is a create that happened before
// (a crash, a stale cache, another server): it counts as done, which is
// what makes each slot run exactly once.
func (c *Controller) createRuns(ctx context.Context, cj *batchv1.CronJob, p *plan) error {
	// Start from the slots known done; a memo ahead of status means an
	// earlier status write failed, and this write repairs it.
	p.status.LastScheduleTime = cj.Status.LastScheduleTime.DeepCopy()
	if p.recorded.After(lastScheduleTime(cj)) {
		p.status.LastScheduleTime = &metav1.Time{Time: p.recorded}
	}
	done := p.recorded
	for _, r := range p.runs {
		j, err := c.createJob(ctx, cj, r)
		if err != nil {
			p.memo.fired = done
			return err
		}
		if j != nil {
			addActive(p, j)
		}
		done = r.slot
		p.status.LastScheduleTime = &metav1.Time{Time: r.slot}
	}
	return nil
}

// createJob creates one run's Job; it returns the Job to track as active,
// or nil when there is none (a finished earlier attempt).
func (c *Controller) createJob(ctx context.Context, cj *batchv1.CronJob, r run) (*batchv1.Job, error) {
	j, err := c.client.BatchV1().Jobs(cj.Namespace).Create(ctx, r.job, metav1.CreateOptions{})
	if err == nil {
		now := c.clock.Now()
		c.metrics.JobCreated(r.slot, now)
		c.book.note(cj, startedRun(r.slot, j.Name, now))
		c.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulCreate", "Created job %v", j.Name)
		return j, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedCreate", "Error creating job: %v", err)
		return nil, err
	}
	existing, gerr := c.client.BatchV1().Jobs(cj.Namespace).Get(ctx, r.job.Name, metav1.GetOptions{})
	if gerr != nil {
		return nil, gerr
	}
	if !ownedBy(existing, cj) {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedCreate",
			"Error creating job: job %s already exists and is not controlled by this CronJob", r.job.Name)
		return nil, nil
	}
	// Created before (by a controller that may not have recorded it).
	c.book.note(cj, startedRun(r.slot, existing.Name, existing.CreationTimestamp.Time))
	if _, done := finished(existing); done {
		return nil, nil
	}
	return existing, nil
}

func addActive(p *plan, j *batchv1.Job) {
	for _, ref := range p.status.Active {
		if ref.UID == j.UID {
			return
		}
	}
	p.status.Active = append(p.status.Active, jobRef(j))
}

// writeStatus writes status when it changed, onto a copy of the cached
// object (which must stay untouched).
func (c *Controller) writeStatus(ctx context.Context, cj *batchv1.CronJob, status batchv1.CronJobStatus) error {
	if equality.Semantic.DeepEqual(cj.Status, status) {
		return nil
	}
	cp := cj.DeepCopy()
	cp.Status = status
	_, err := c.client.BatchV1().CronJobs(cj.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("update status of %s/%s: %w", cj.Namespace, cj.Name, err)
	}
	return nil
}

// deleteJob deletes a Job and its pods in the background, as Kubernetes'
// controller does for Replace and history limits.
func (c *Controller) deleteJob(ctx context.Context, cj *batchv1.CronJob, name string) error {
	err := c.client.BatchV1().Jobs(cj.Namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &background})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedDelete", "Deleted job: %v", err)
		return err
	}
	c.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job %v", name)
	return nil
}
