package job

import (
	"context"
	"errors"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// applyStatus writes the status (the sync's one write), then removes the
// finalizers the written status accounts for, then records events. A
// failed write removes nothing: the pods stay tracked for the next sync.
func (c *Controller) applyStatus(ctx context.Context, key string, job *batchv1.Job, plan statusPlan) error {
	if plan.write {
		before := job.ResourceVersion
		got, err := c.client.BatchV1().Jobs(job.Namespace).UpdateStatus(ctx, job, metav1.UpdateOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			c.written.forget(key)
			return fmt.Errorf("writing status: %w", err)
		}
		c.written.wrote(key, before, got)
		job = got
	}
	err := c.removeFinalizers(ctx, key, plan.removeFinalizers)
	if plan.event == eventSuspended {
		c.recorder.Event(job, corev1.EventTypeNormal, eventSuspended, msgJobSuspended)
	} else if plan.event == eventResumed {
		c.recorder.Event(job, corev1.EventTypeNormal, eventResumed, msgJobResumed)
	}
	if plan.finished != nil {
		c.recordFinished(job, plan.finished)
	}
	return err
}

// recordFinished emits the terminal event and counts the Job in metrics.
func (c *Controller) recordFinished(job *batchv1.Job, cond *batchv1.JobCondition) {
	if cond.Type == batchv1.JobComplete {
		if job.Spec.Completions != nil && job.Status.Succeeded > *job.Spec.Completions {
			c.recorder.Event(job, corev1.EventTypeWarning, eventTooManySucces, "Too many succeeded pods running after completion count reached")
		}
		c.recorder.Event(job, corev1.EventTypeNormal, eventCompleted, "Job completed")
		c.metrics.JobFinished(completionMode(job), "succeeded", "")
		return
	}
	c.recorder.Event(job, corev1.EventTypeWarning, cond.Reason, cond.Message)
	c.metrics.JobFinished(completionMode(job), "failed", cond.Reason)
}

// removeFinalizers patches the tracking finalizer out of pods in parallel.
// Each removal is expected before it is sent, so the next sync counts the
// pod at once even if the cache has not shown the patch yet.
func (c *Controller) removeFinalizers(ctx context.Context, key string, pods []*corev1.Pod) error {
	errs := make([]error, len(pods))
	parallel(len(pods), func(i int) {
		p := pods[i]
		c.expect.expectFinalizerRemoved(key, p.UID)
		if err := c.patchOutFinalizer(ctx, p); err != nil {
			c.expect.finalizerRemoved(key, p.UID)
			errs[i] = fmt.Errorf("removing the tracking finalizer of %s: %w", p.Name, err)
		}
	})
	return errors.Join(errs...)
}

// finalizerPatch is a strategic merge patch deleting only our finalizer,
// whatever else the list holds or gains meanwhile. The uid turns a pod
// replaced under the same name into a conflict instead of a wrong patch.
func finalizerPatch(uid types.UID) []byte {
	return fmt.Appendf(nil, `{"metadata":{"$deleteFromPrimitiveList/finalizers":[%q],"uid":%q}}`,
		batchv1.JobTrackingFinalizer, uid)
}

// patchOutFinalizer treats a pod that is gone, or replaced, as done.
func (c *Controller) patchOutFinalizer(ctx context.Context, p *corev1.Pod) error {
	_, err := c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType,
		finalizerPatch(p.UID), metav1.PatchOptions{})
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}
