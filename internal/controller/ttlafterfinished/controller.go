package ttlafterfinished

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
)

// Config holds the controller's dependencies.
type Config struct {
	// Client reads and deletes Jobs.
	Client kubernetes.Interface
	// Informers is shared with other controllers when given; New creates
	// one when nil. Run starts it either way.
	Informers informers.SharedInformerFactory
	// Clock decides when TTLs expire and drives the workqueue's delays;
	// defaults to the real clock.
	Clock clock.WithTicker
}

// Controller deletes finished Jobs whose TTL has passed.
type Controller struct {
	base     *base.Base
	client   kubernetes.Interface
	clock    clock.WithTicker
	jobs     cache.SharedIndexInformer
	lister   batchlisters.JobLister
	cronJobs cache.SharedIndexInformer
	cjLister batchlisters.CronJobLister
	queue    workqueue.TypedRateLimitingInterface[string]
}

// New builds a Controller; Run starts it. It fails when its event handler
// cannot be added.
func New(c Config) (*Controller, error) {
	// The queue keeps Kubernetes' name for the workqueue metrics.
	b, err := base.New(base.Config(c), "ttl_jobs_to_delete", "ttl-after-finished-controller")
	if err != nil {
		return nil, err
	}
	batch := b.Informers.Batch().V1()
	ctl := &Controller{
		base:     b,
		client:   b.Client,
		clock:    b.Clock,
		jobs:     batch.Jobs().Informer(),
		lister:   batch.Jobs().Lister(),
		cronJobs: batch.CronJobs().Informer(),
		cjLister: batch.CronJobs().Lister(),
		queue:    b.Queue,
	}
	// CronJobs are read through their lister only.
	b.WaitFor(ctl.cronJobs.HasSynced)
	if err := b.Watch(ctl.jobs, cache.ResourceEventHandlerFuncs{
		AddFunc:    ctl.onJob,
		UpdateFunc: func(_, cur interface{}) { ctl.onJob(cur) },
	}); err != nil {
		return nil, err
	}
	return ctl, nil
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.base.Run(ctx, workers, c.sync)
}

// onJob queues Jobs that are up for deletion; the rest never are until
// they change.
func (c *Controller) onJob(obj interface{}) {
	job, ok := obj.(*batchv1.Job)
	if !ok {
		return
	}
	if _, ok := expiry(job); ok {
		c.queue.Add(cache.MetaObjectToName(job).String())
	}
}

// sync deletes the Job if its TTL has passed, deciding on the cached Job
// first and then again on a fresh read, or asks to look again when it will.
func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	cached, err := c.lister.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if d := decide(cached, c.clock.Now()); d == nil || !d.remove {
		return after(d), nil
	}
	fresh, err := c.client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if d := decide(fresh, c.clock.Now()); d == nil || !d.remove {
		return after(d), nil
	}
	if slotUnrecorded(fresh, c.controllingCronJob(fresh)) {
		wait := recheckUnrecordedSlot
		return &wait, nil
	}
	return nil, c.remove(ctx, fresh)
}

// controllingCronJob is the cached CronJob job names as its controller, or
// nil. A stale cache can only show an older status, which makes the Job
// wait longer, never shorter.
func (c *Controller) controllingCronJob(job *batchv1.Job) *batchv1.CronJob {
	ref := metav1.GetControllerOf(job)
	if ref == nil || ref.Kind != "CronJob" {
		return nil
	}
	cj, err := c.cjLister.CronJobs(job.Namespace).Get(ref.Name)
	if err != nil {
		return nil
	}
	return cj
}

// after is when to look again: never for a Job not up for deletion.
func after(d *decision) *time.Duration {
	if d == nil {
		return nil
	}
	return &d.after
}

// remove deletes exactly the Job it decided on, in the foreground as
// Kubernetes does: the Job stays visible until its pods are gone.
func (c *Controller) remove(ctx context.Context, job *batchv1.Job) error {
	policy := metav1.DeletePropagationForeground
	err := c.client.BatchV1().Jobs(job.Namespace).Delete(ctx, job.Name, metav1.DeleteOptions{
		PropagationPolicy: &policy,
		Preconditions:     &metav1.Preconditions{UID: &job.UID, ResourceVersion: &job.ResourceVersion},
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err == nil {
		klog.FromContext(ctx).V(2).Info("Deleted a finished Job whose TTL expired", "job", klog.KObj(job))
	}
	return err
}
