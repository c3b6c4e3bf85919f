package cronjob

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/ordo-dev/ordo/internal/cron"
)

// sync looks at one CronJob: it gathers what decide needs, applies the
// plan, and asks to be woken at the next slot. That wake-up is the
// CronJob's timer: the workqueue keeps delayed keys in one heap behind one
// clock timer, so every CronJob is armed for its exact instant with no
// polling and no padding, and an update re-arms it by syncing at once.
func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	cj, err := c.cjLister.CronJobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.memos.forget(key)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sched, err := cron.Parse(cj.Spec.Schedule, cj.Spec.TimeZone, c.local)
	if err != nil {
		c.reportBadSchedule(cj, err)
		return nil, nil
	}
	if isWarm(cj) {
		// Manual Jobs of a warm CronJob need nothing from this controller:
		// the Job controller runs them, the garbage collector removes them.
		return c.syncWarm(ctx, cj, sched)
	}
	jobs, err := c.jobsOf(cj)
	if err != nil {
		return nil, err
	}
	c.seedFromJobs(cj, jobs)
	gone, err := c.confirmGone(ctx, cj, jobs)
	if err != nil {
		return nil, err
	}
	catchUp, _ := cron.CatchUpOf(cj.Annotations)
	p := decide(input{
		cj: cj, jobs: jobs, gone: gone, sched: sched, catchUp: catchUp,
		now: c.clock.Now(), memo: c.memos.get(key, cj.UID), since: c.startedAt,
	})
	deferred, err := c.apply(ctx, cj, &p)
	c.memos.set(key, cj.UID, p.memo)
	if err != nil {
		return nil, err
	}
	if deferred {
		var now time.Duration
		return &now, nil
	}
	if p.requeueAt.IsZero() {
		return nil, nil
	}
	after := p.requeueAt.Sub(c.clock.Now())
	return &after, nil
}

// jobsOf lists the Jobs cj controls, from the cache.
func (c *Controller) jobsOf(cj *batchv1.CronJob) ([]*batchv1.Job, error) {
	objs, err := c.jobs.GetIndexer().ByIndex(controllerUIDIndex, string(cj.UID))
	if err != nil {
		return nil, err
	}
	jobs := make([]*batchv1.Job, 0, len(objs))
	for _, o := range objs {
		if j, ok := o.(*batchv1.Job); ok && j.Namespace == cj.Namespace {
			jobs = append(jobs, j)
		}
	}
	return jobs, nil
}

// confirmGone asks the API about active Jobs the cache does not hold: a
// cache behind our own create must not make a running Job look missing.
func (c *Controller) confirmGone(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) (map[string]bool, error) {
	cached := map[string]bool{}
	for _, j := range jobs {
		cached[j.Name] = true
	}
	gone := map[string]bool{}
	for _, ref := range cj.Status.Active {
		if cached[ref.Name] {
			continue
		}
		j, err := c.client.BatchV1().Jobs(cj.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			gone[ref.Name] = true
		case err != nil:
			return nil, err
		case j.UID != ref.UID:
			gone[ref.Name] = true
		}
	}
	return gone, nil
}

// reportBadSchedule says why a CronJob cannot run, as Kubernetes does; an
// update to the CronJob syncs it again.
func (c *Controller) reportBadSchedule(cj *batchv1.CronJob, err error) {
	if cj.Spec.TimeZone != nil && !cron.HasTZPrefix(cj.Spec.Schedule) {
		if _, zerr := time.LoadLocation(*cj.Spec.TimeZone); zerr != nil {
			c.recorder.Eventf(cj, corev1.EventTypeWarning, "UnknownTimeZone", "invalid timeZone: %q: %s", *cj.Spec.TimeZone, zerr)
			return
		}
	}
	c.recorder.Event(cj, corev1.EventTypeWarning, "UnparseableSchedule", fmt.Sprintf("unparseable schedule: %q : %s", cj.Spec.Schedule, err))
}
