package cronjob

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/metrics"
	coordinationlisters "k8s.io/client-go/listers/coordination/v1"
)

// Config holds the controller's dependencies.
type Config struct {
	// Client reads CronJobs and Jobs, creates and deletes Jobs, writes
	// CronJob status and records events.
	Client kubernetes.Interface
	// Informers is shared with other controllers when given; New creates
	// one when nil. Run starts it either way.
	Informers informers.SharedInformerFactory
	// Clock drives the timer (the workqueue's delay heap), the decisions
	// and the metrics; defaults to the real clock.
	Clock clock.WithTicker
	// Metrics receives fire lags and missed runs; nil records nothing.
	Metrics *metrics.Batch
	// Local is the zone of schedules that name none (spec.timeZone unset,
	// no TZ= prefix); defaults to the server's local zone, as Kubernetes.
	Local *time.Location
}

// Controller creates a CronJob's Jobs at their scheduled instants.
type Controller struct {
	base        *base.Base
	client      kubernetes.Interface
	clock       clock.WithTicker
	cronJobs    cache.SharedIndexInformer
	jobs        cache.SharedIndexInformer
	pods        cache.SharedIndexInformer
	leases      cache.SharedIndexInformer // warm runners' tokens
	leaseLister coordinationlisters.LeaseLister
	cjLister    batchlisters.CronJobLister
	jobLister   batchlisters.JobLister
	recorder    record.EventRecorder
	queue       workqueue.TypedRateLimitingInterface[string]
	memos       *memos
	running     *firstRunning
	metrics     *metrics.Batch
	local       *time.Location
	// book buffers and writes the run records.
	book *runBook
	// startedAt is when this controller was made, just before it runs:
	// slots before it that did not run were missed with no controller
	// running. Set in New, before any handler can read it (the shared
	// informers may start before Run).
	startedAt time.Time
}

// New builds a Controller; Run starts it. It fails when an index or an
// event handler cannot be added.
func New(c Config) (*Controller, error) {
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: c.Clock}, "cronjob", "cronjob-controller")
	if err != nil {
		return nil, err
	}
	if c.Local == nil {
		c.Local = time.Local
	}
	batch := b.Informers.Batch().V1()
	ctl := &Controller{
		base:        b,
		client:      b.Client,
		clock:       b.Clock,
		cronJobs:    batch.CronJobs().Informer(),
		jobs:        batch.Jobs().Informer(),
		pods:        b.Informers.Core().V1().Pods().Informer(),
		leases:      b.Informers.Coordination().V1().Leases().Informer(),
		leaseLister: b.Informers.Coordination().V1().Leases().Lister(),
		cjLister:    batch.CronJobs().Lister(),
		jobLister:   batch.Jobs().Lister(),
		recorder:    b.Recorder,
		memos:       newMemos(),
		startedAt:   b.Clock.Now(),
		running:     newFirstRunning(),
		metrics:     c.Metrics,
		local:       c.Local,
		queue:       b.Queue,
	}
	if err := addControllerIndex(ctl.jobs); err != nil {
		return nil, fmt.Errorf("cronjob: job index: %w", err)
	}
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		return nil, fmt.Errorf("cronjob: pod index: %w", err)
	}
	ctl.book = newRunBook(b.Client, b.Clock, func(cj *batchv1.CronJob, msg string) {
		ctl.recorder.Event(cj, corev1.EventTypeWarning, "RunRecordConflict", msg)
	})
	if err := ctl.addHandlers(); err != nil {
		return nil, err
	}
	if err := ctl.watchForRecord(); err != nil {
		return nil, err
	}
	if c.Metrics != nil {
		if err := ctl.watchPodsForLag(); err != nil {
			return nil, err
		}
	}
	return ctl, nil
}

// Run works until ctx is done, then stops workers and event recording,
// and writes the run records' last changes.
func (c *Controller) Run(ctx context.Context, workers int) {
	ticker := c.clock.NewTicker(recordInterval)
	defer ticker.Stop()
	// The book outlives ctx by its final flush, after the workers stopped
	// noting.
	bookCtx, stopBook := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.book.run(bookCtx, ticker.C())
	}()
	c.base.Run(ctx, workers, c.sync)
	stopBook()
	<-done
}

// controllerUIDIndex indexes Jobs by the UID of their controller, so a
// sync finds a CronJob's Jobs without scanning every Job.
const controllerUIDIndex = "controllerUID"

func addControllerIndex(inf cache.SharedIndexInformer) error {
	return inf.AddIndexers(cache.Indexers{controllerUIDIndex: func(obj interface{}) ([]string, error) {
		j, ok := obj.(*batchv1.Job)
		if !ok {
			return nil, nil
		}
		if ref := controllerOf(j); ref != "" {
			return []string{ref}, nil
		}
		return nil, nil
	}})
}
