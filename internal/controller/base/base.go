// Package base is the scaffolding every controller shares, so that a new
// controller writes only its handlers and its sync:
//
//	// queue name (Kubernetes' workqueue name, for the metrics) and
//	// component (Kubernetes' event source, also the logs' "controller")
//	b, err := base.New(cfg, "replicaset", "replicaset-controller")
//	...
//	// every handler registration error is New's error, never a log line
//	if err := b.WatchKeys(b.Informers.Apps().V1().ReplicaSets().Informer()); err != nil {
//		return nil, err
//	}
//	...
//	b.Run(ctx, workers, c.sync) // events, informers, cache sync, workers
//
// New defaults the clock and the shared informer factory, makes the event
// broadcaster and recorder under the controller's component name, and the
// controller's workqueue on the same clock. Watch registers an informer's
// handler, returns the registration error, and remembers the informer so
// Run waits for its cache (WaitFor adds informers read only through their
// listers). Run starts event recording and the informers, waits for every
// cache, runs the workers until ctx ends, and shuts the queues and the
// broadcaster down before returning; RunLoops does the same for several
// queues. Controllers whose loop is not a workqueue (a ticker) call Start
// and run their own loop.
//
// A controller keeps its Base in an unexported field rather than embedding
// it, so Watch and Start do not become part of its API. A Base serves one
// Run: informers, once stopped, do not start again, so a controller is
// built anew for each leadership term.
package base

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/events"
	"github.com/ordo-dev/ordo/internal/controller/queue"
)

// Config holds what every controller is given.
type Config struct {
	// Client reads and writes the controller's objects and its events.
	Client kubernetes.Interface
	// Informers is shared with other controllers when given; New creates
	// one when nil. Run (or Start) starts it either way.
	Informers informers.SharedInformerFactory
	// Clock drives the workqueues and event timestamps; the real clock
	// when nil.
	Clock clock.WithTicker
}

// Base owns what every controller shares. Its exported fields are set by
// New and read by the controller.
type Base struct {
	Client    kubernetes.Interface
	Clock     clock.WithTicker
	Informers informers.SharedInformerFactory
	// Recorder records events under the component name given to New.
	Recorder record.EventRecorder
	// Queue is the controller's workqueue of namespace/name keys, named
	// for the workqueue metrics as New's queue argument.
	Queue workqueue.TypedRateLimitingInterface[string]

	component   string
	broadcaster record.EventBroadcaster
	synced      []cache.InformerSynced
	queues      []workqueue.TypedRateLimitingInterface[string]
}

// New builds a Base whose Queue is named queue (Kubernetes' workqueue
// name, for the metrics) and whose events and logs name the controller
// component (Kubernetes' event source, e.g. "replicaset-controller").
func New(c Config, queue, component string) (*Base, error) {
	if queue == "" || component == "" {
		return nil, errors.New("controller base: a queue name and a component are required")
	}
	if c.Client == nil {
		return nil, fmt.Errorf("%s: no client", component)
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Informers == nil {
		c.Informers = informers.NewSharedInformerFactory(c.Client, 0)
	}
	bc := events.NewBroadcaster(c.Clock)
	b := &Base{
		Client: c.Client, Clock: c.Clock, Informers: c.Informers,
		Recorder: events.Recorder(bc, component), component: component, broadcaster: bc,
	}
	b.Queue = b.NewQueue(queue)
	return b, nil
}

// NewQueue makes another workqueue of string keys on b's clock (for
// controllers with several loops); Run and Start's stop shut it down.
func (b *Base) NewQueue(name string) workqueue.TypedRateLimitingInterface[string] {
	q := queue.New[string](name, b.Clock)
	b.queues = append(b.queues, q)
	return q
}

// Watch registers h on inf and makes Run wait for inf's cache. The error
// (an informer that has already stopped) is the controller's to return:
// a controller missing a handler would silently never react.
func (b *Base) Watch(inf cache.SharedInformer, h cache.ResourceEventHandler) error {
	if _, err := inf.AddEventHandler(h); err != nil {
		return fmt.Errorf("%s: registering an event handler: %w", b.component, err)
	}
	b.synced = append(b.synced, inf.HasSynced)
	return nil
}

// WatchKeys is Watch with KeyHandler: the handler of the controller's own
// kind.
func (b *Base) WatchKeys(inf cache.SharedInformer) error {
	return b.Watch(inf, b.KeyHandler())
}

// KeyHandler enqueues on Queue the namespace/name key of every object
// added, updated or deleted (tombstones included).
func (b *Base) KeyHandler() cache.ResourceEventHandlerFuncs {
	return queue.KeyHandler(b.Queue)
}

// WaitFor adds caches Run waits for besides the watched informers' (an
// informer only read through its lister).
func (b *Base) WaitFor(synced ...cache.InformerSynced) {
	b.synced = append(b.synced, synced...)
}

// Start starts event recording and the informer factory and waits for
// every cache. ok is false when ctx ended first. stop shuts down the
// queues and the broadcaster; call it whatever ok is.
func (b *Base) Start(ctx context.Context) (stop func(), ok bool) {
	logger := klog.FromContext(ctx).WithValues("controller", b.component)
	stopEvents := events.Start(b.broadcaster, b.Client)
	stop = func() {
		for _, q := range b.queues {
			q.ShutDown()
		}
		stopEvents()
		logger.V(2).Info("Controller stopped")
	}
	b.Informers.Start(ctx.Done())
	logger.V(2).Info("Waiting for caches to sync", "informers", len(b.synced))
	if !cache.WaitForCacheSync(ctx.Done(), b.synced...) {
		logger.V(2).Info("Stopped before the caches synced")
		return stop, false
	}
	logger.V(2).Info("Caches synced")
	return stop, true
}

// Run runs workers goroutines of sync over Queue until ctx ends, after
// Start, and returns once the workers and event recording have stopped.
func (b *Base) Run(ctx context.Context, workers int, sync queue.SyncFunc[string]) {
	b.RunLoops(ctx, workers, queue.Loop[string]{Queue: b.Queue, Name: b.component, Sync: sync})
}

// RunLoops is Run for a controller with several queues: each loop gets
// workers goroutines.
func (b *Base) RunLoops(ctx context.Context, workers int, loops ...queue.Loop[string]) {
	stop, ok := b.Start(ctx)
	defer stop()
	if ok {
		queue.RunAll(ctx, workers, loops...)
	}
}
