package cronjob

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/controller/events"
	"github.com/ordo-dev/ordo/internal/controller/queue"
	"github.com/ordo-dev/ordo/internal/metrics"
	coordinationlisters "k8s.io/client-go/listers/coordination/v1"
	"k8s.io/klog/v2"
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
	client      kubernetes.Interface
	clock       clock.WithTicker
	informers   informers.SharedInformerFactory
	cronJobs    cache.SharedIndexInformer
	jobs        cache.SharedIndexInformer
	pods        cache.SharedIndexInformer
	leases      cache.SharedIndexInformer // warm runners' tokens
	leaseLister coordinationlisters.LeaseLister
	cjLister    batchlisters.CronJobLister
	jobLister   batchlisters.JobLister
	broadcaster record.EventBroadcaster
	recorder    record.EventRecorder
	queue       workqueue.TypedRateLimitingInterface[string]
	memos       *memos
	running     *firstRunning
	metrics     *metrics.Batch
	local       *time.Location
}

// New builds a Controller; Run starts it.
func New(c Config) *Controller {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Informers == nil {
		c.Informers = informers.NewSharedInformerFactory(c.Client, 0)
	}
	if c.Local == nil {
		c.Local = time.Local
	}
	broadcaster := events.NewBroadcaster(c.Clock)
	batch := c.Informers.Batch().V1()
	ctl := &Controller{
		client:      c.Client,
		clock:       c.Clock,
		informers:   c.Informers,
		cronJobs:    batch.CronJobs().Informer(),
		jobs:        batch.Jobs().Informer(),
		cjLister:    batch.CronJobs().Lister(),
		jobLister:   batch.Jobs().Lister(),
		broadcaster: broadcaster,
		recorder:    events.Recorder(broadcaster, "cronjob-controller"),
		memos:       newMemos(),
		running:     newFirstRunning(),
		metrics:     c.Metrics,
		local:       c.Local,
		queue:       queue.New[string]("cronjob", c.Clock),
	}
	addControllerIndex(ctl.jobs)
	ctl.pods = c.Informers.Core().V1().Pods().Informer()
	ctl.leases = c.Informers.Coordination().V1().Leases().Informer()
	ctl.leaseLister = c.Informers.Coordination().V1().Leases().Lister()
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		klog.Errorf("cronjob: pod index: %v", err)
	}
	ctl.addHandlers()
	if c.Metrics != nil {
		ctl.watchPodsForLag()
	}
	return ctl
}

// Run works until ctx is done, then stops workers and event recording.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	defer events.Start(c.broadcaster, c.client)()
	c.informers.Start(ctx.Done())
	synced := []cache.InformerSynced{c.cronJobs.HasSynced, c.jobs.HasSynced, c.pods.HasSynced, c.leases.HasSynced}
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return
	}
	queue.Run(ctx, c.queue, "cronjob", workers, c.sync)
}

// controllerUIDIndex indexes Jobs by the UID of their controller, so a
// sync finds a CronJob's Jobs without scanning every Job.
const controllerUIDIndex = "controllerUID"

func addControllerIndex(inf cache.SharedIndexInformer) {
	_ = inf.AddIndexers(cache.Indexers{controllerUIDIndex: func(obj interface{}) ([]string, error) {
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
