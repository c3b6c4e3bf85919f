package cronjob

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/runner"
)

// syncWarm runs a warm CronJob: its slots run in its runner pod (the
// agent claims them through the Lease); the controller keeps the runner
// pods and the hand-offs, and copies the Lease's last slot and last
// success into the CronJob's status. Jobs made by hand
// (kubectl create job --from=cronjob/...) run as ordinary Jobs.
func (c *Controller) syncWarm(ctx context.Context, cj *batchv1.CronJob, sched *cron.Schedule) (*time.Duration, error) {
	lifetime, err := runner.LifetimeOf(cj.Annotations)
	if err != nil {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "InvalidRunnerLifetime", "annotation %s: %v", runner.LifetimeAnnotation, err)
		return nil, nil
	}
	lease, err := c.leaseLister.Leases(cj.Namespace).Get(leaseName(cj))
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	in := warmInput{cj: cj, sched: sched, runners: c.runnersOf(cj), lifetime: lifetime, now: c.clock.Now()}
	if err == nil {
		tok := runner.TokenOf(lease)
		in.token = &tok
	}
	p := decideWarm(in)
	if err := c.applyWarm(ctx, cj, p); err != nil {
		return nil, err
	}
	if in.token != nil {
		if err := c.copyWarmStatus(ctx, cj, lease.Annotations); err != nil {
			return nil, err
		}
	}
	if p.requeueAfter <= 0 {
		return nil, nil
	}
	return &p.requeueAfter, nil
}

func (c *Controller) applyWarm(ctx context.Context, cj *batchv1.CronJob, p warmPlan) error {
	if p.createLease {
		if _, err := c.client.CoordinationV1().Leases(cj.Namespace).Create(ctx, newLease(cj), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	if p.createRunner != "" {
		pod, err := c.client.CoreV1().Pods(cj.Namespace).Create(ctx, newRunnerPod(cj, templateHash(cj), c.clock.Now()), metav1.CreateOptions{})
		if err != nil {
			c.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedCreate", "Error creating runner pod: %v", err)
			return err
		}
		c.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulCreate", "Created runner pod %s (%s)", pod.Name, p.createRunner)
	}
	if p.handoff != nil {
		if err := c.writeHandoff(ctx, cj, *p.handoff); err != nil {
			return err
		}
	}
	for _, pod := range p.deleteRunners {
		err := c.client.CoreV1().Pods(cj.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pod.UID}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return err
		}
		c.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted runner pod %s", pod.Name)
	}
	return nil
}

// writeHandoff writes hand-to and hand-at onto the Lease as read now; a
// conflict means the runner wrote it meanwhile, and the next sync decides
// again.
func (c *Controller) writeHandoff(ctx context.Context, cj *batchv1.CronJob, tok runner.Token) error {
	leases := c.client.CoordinationV1().Leases(cj.Namespace)
	lease, err := leases.Get(ctx, leaseName(cj), metav1.GetOptions{})
	if err != nil {
		return err
	}
	cur := runner.TokenOf(lease)
	cur.HandTo, cur.HandAt = tok.HandTo, tok.HandAt
	if _, err := leases.Update(ctx, cur.Onto(lease), metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
		return err
	}
	c.recorder.Eventf(cj, corev1.EventTypeNormal, "RunnerHandoff", "Handing the runner token to %s from slot %s", tok.HandTo, tok.HandAt.UTC().Format(time.RFC3339))
	return nil
}

// copyWarmStatus keeps lastScheduleTime and lastSuccessfulTime at the
// Lease's last slot and last success.
func (c *Controller) copyWarmStatus(ctx context.Context, cj *batchv1.CronJob, annotations map[string]string) error {
	st := cj.Status.DeepCopy()
	set := func(dst **metav1.Time, key string) {
		if t, err := time.Parse(time.RFC3339Nano, annotations[key]); err == nil {
			if *dst == nil || !(*dst).Time.Equal(t.Truncate(time.Second)) {
				*dst = &metav1.Time{Time: t.Truncate(time.Second)}
			}
		}
	}
	set(&st.LastScheduleTime, runner.LastSlotAnnotation)
	set(&st.LastSuccessfulTime, runner.LastSuccessAnnotation)
	if sameTime(st.LastScheduleTime, cj.Status.LastScheduleTime) && sameTime(st.LastSuccessfulTime, cj.Status.LastSuccessfulTime) {
		return nil
	}
	updated := cj.DeepCopy()
	updated.Status = *st
	_, err := c.client.BatchV1().CronJobs(cj.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func sameTime(a, b *metav1.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Time.Equal(b.Time)
}

// runnersOf lists cj's runner pods from the cache.
func (c *Controller) runnersOf(cj *batchv1.CronJob) []*corev1.Pod {
	objs, _ := c.pods.GetIndexer().ByIndex(controllerref.Index, controllerref.ControllerKey(cj.UID))
	var out []*corev1.Pod
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok && p.Labels[runner.RunnerLabel] == cj.Name {
			out = append(out, p)
		}
	}
	return out
}

// onRunnerLease syncs, at most once a second, the CronJob whose token
// changed: a claim or a success moves its status.
func (c *Controller) onRunnerLease(obj interface{}) {
	if _, key, _ := controllerref.ControllerOf(obj, cronJobKind); key != "" {
		c.queue.AddAfter(key, time.Second)
	}
}

// onRunnerPod syncs the CronJob a runner pod belongs to.
func (c *Controller) onRunnerPod(obj interface{}) {
	if m, key, _ := controllerref.ControllerOf(obj, cronJobKind); key != "" && m.GetLabels()[runner.RunnerLabel] != "" {
		c.queue.Add(key)
	}
}
