package job

import (
	"context"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/controller/events"
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
	client      kubernetes.Interface
	clock       clock.WithTicker
	informers   informers.SharedInformerFactory
	metrics     *metrics.Batch
	jobs        cache.SharedIndexInformer
	pods        cache.SharedIndexInformer
	jobLister   batchlisters.JobLister
	podLister   corelisters.PodLister
	broadcaster record.EventBroadcaster
	recorder    record.EventRecorder
	queue       workqueue.TypedRateLimitingInterface[string]
	orphans     workqueue.TypedRateLimitingInterface[string]
	expect      *expectations
	backoff     *backoffStore
	written     *writtenStatus
}

// New builds a Controller; Run starts it.
func New(c Config) *Controller {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Informers == nil {
		c.Informers = informers.NewSharedInformerFactory(c.Client, 0)
	}
	broadcaster := events.NewBroadcaster(c.Clock)
	newQueue := func(name string) workqueue.TypedRateLimitingInterface[string] {
		return queue.New[string](name, c.Clock)
	}
	ctl := &Controller{
		client:      c.Client,
		clock:       c.Clock,
		informers:   c.Informers,
		metrics:     c.Metrics,
		jobs:        c.Informers.Batch().V1().Jobs().Informer(),
		pods:        c.Informers.Core().V1().Pods().Informer(),
		jobLister:   c.Informers.Batch().V1().Jobs().Lister(),
		podLister:   c.Informers.Core().V1().Pods().Lister(),
		broadcaster: broadcaster,
		recorder:    events.Recorder(broadcaster, component),
		queue:       newQueue("job"),
		orphans:     newQueue("job_orphan_pod"),
		expect:      newExpectations(),
		backoff:     newBackoffStore(),
		written:     newWrittenStatus(),
	}
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		klog.Errorf("job: pod index: %v", err)
	}
	ctl.addHandlers()
	return ctl
}

// Run works until ctx is done, then stops workers and event recording.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	defer c.orphans.ShutDown()
	defer events.Start(c.broadcaster, c.client)()
	c.informers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.jobs.HasSynced, c.pods.HasSynced) {
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
