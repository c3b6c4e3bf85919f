package job

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/controller/queue"
	"github.com/ordo-dev/ordo/internal/metrics"
)

// component is the event source, as Kubernetes names it.
const component = "job-controller"

// Config holds the Job controller's dependencies.
type Config struct {
	// Client reads and writes Jobs, pods and events.
	Client kubernetes.Interface
	// Informers is shared with other controllers when given; New creates
	// one when nil. Run starts it either way (starting twice is harmless).
	Informers informers.SharedInformerFactory
	// Clock drives the workqueue, back-offs, deadlines and condition times;
	// defaults to the real clock.
	Clock clock.WithTicker
	// Metrics counts finished Jobs; nil records nothing.
	Metrics *metrics.Batch
}

// Controller runs Jobs' pods to completion.
type Controller struct {
	base      *base.Base
	client    kubernetes.Interface
	clock     clock.WithTicker
	metrics   *metrics.Batch
	jobs      cache.SharedIndexInformer
	pods      cache.SharedIndexInformer
	jobLister batchlisters.JobLister
	podLister corelisters.PodLister
	recorder  record.EventRecorder
	queue     workqueue.TypedRateLimitingInterface[string]
	orphans   workqueue.TypedRateLimitingInterface[string]
	expect    *expectations
	backoff   *backoffStore
	written   *writtenStatus
}

// New builds a Controller; Run starts it. It fails when an index or an
// event handler cannot be added.
func New(c Config) (*Controller, error) {
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: c.Clock}, "job", component)
	if err != nil {
		return nil, err
	}
	ctl := &Controller{
		base:      b,
		client:    b.Client,
		clock:     b.Clock,
		metrics:   c.Metrics,
		jobs:      b.Informers.Batch().V1().Jobs().Informer(),
		pods:      b.Informers.Core().V1().Pods().Informer(),
		jobLister: b.Informers.Batch().V1().Jobs().Lister(),
		podLister: b.Informers.Core().V1().Pods().Lister(),
		recorder:  b.Recorder,
		queue:     b.Queue,
		orphans:   b.NewQueue("job_orphan_pod"),
		expect:    newExpectations(),
		backoff:   newBackoffStore(),
		written:   newWrittenStatus(),
	}
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		return nil, fmt.Errorf("job: pod index: %w", err)
	}
	if err := ctl.addHandlers(); err != nil {
		return nil, err
	}
	return ctl, nil
}

// Run works until ctx is done, then stops workers and event recording.
// Orphaned pods' finalizers are removed by one worker of their own.
func (c *Controller) Run(ctx context.Context, workers int) {
	stop, ok := c.base.Start(ctx)
	defer stop()
	if !ok {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		queue.Run(ctx, c.orphans, "job orphan pods", 1, c.syncOrphan)
	}()
	queue.Run(ctx, c.queue, "job", workers, c.sync)
	<-done
}

func isJobRef(ref *metav1.OwnerReference) bool {
	return ref.Kind == "Job" && ref.APIVersion == batchv1.SchemeGroupVersion.String()
}
