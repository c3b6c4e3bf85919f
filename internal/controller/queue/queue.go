// Package queue is the one place where a controller's sync decision is filed
// with its workqueue, so every controller retries, requeues and forgets keys
// the same way (DESIGN.md: "sync returns its decision").
package queue

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// SyncFunc handles one key and returns its decision: an error retries the
// key with rate-limited back-off; a non-nil duration looks at it again after
// that long; neither forgets it.
type SyncFunc[K comparable] func(ctx context.Context, key K) (requeueAfter *time.Duration, err error)

// ProcessNext takes one key from q, syncs it, and files the decision. It
// returns false once the queue is shut down.
func ProcessNext[K comparable](ctx context.Context, q workqueue.TypedRateLimitingInterface[K], name string, sync SyncFunc[K]) bool {
	key, quit := q.Get()
	if quit {
		return false
	}
	defer q.Done(key)
	after, err := sync(ctx, key)
	switch {
	case err != nil:
		klog.V(1).Infof("%s: %v: %v (retrying)", name, key, err)
		q.AddRateLimited(key)
	case after != nil:
		q.Forget(key)
		q.AddAfter(key, *after)
	default:
		q.Forget(key)
	}
	return true
}

// Run runs workers goroutines over q until ctx is done, then shuts the queue
// down and waits for the workers to finish their current keys.
func Run[K comparable](ctx context.Context, q workqueue.TypedRateLimitingInterface[K], name string, workers int, handle SyncFunc[K]) {
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ProcessNext(ctx, q, name, handle) {
			}
		}()
	}
	<-ctx.Done()
	q.ShutDown()
	wg.Wait()
}

// Loop is one of a controller's queues with the name its logs use and the
// sync function for its keys.
type Loop[K comparable] struct {
	Queue workqueue.TypedRateLimitingInterface[K]
	Name  string
	Sync  SyncFunc[K]
}

// RunAll runs every loop as Run does, each with workers goroutines, and
// returns once all of them have stopped (for controllers with several
// queues, like the volume binder's claims and volumes).
func RunAll[K comparable](ctx context.Context, workers int, loops ...Loop[K]) {
	var wg sync.WaitGroup
	for _, l := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Run(ctx, l.Queue, l.Name, workers, l.Sync)
		}()
	}
	wg.Wait()
}

// New returns the workqueue every controller uses: Kubernetes' default
// controller rate limiter (per-key exponential back-off plus an overall
// bucket), named for the workqueue metrics, with delays on clk (the real
// clock when nil) so tests can drive them with a fake one.
func New[K comparable](name string, clk clock.WithTicker) workqueue.TypedRateLimitingInterface[K] {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[K](),
		workqueue.TypedRateLimitingQueueConfig[K]{Name: name, Clock: clk})
}

// KeyHandler enqueues the namespace/name key of every object added,
// updated or deleted (tombstones included): the handler of a controller's
// own kind.
func KeyHandler(q workqueue.TypedInterface[string]) cache.ResourceEventHandlerFuncs {
	enqueue := func(obj interface{}) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			q.Add(key)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, cur interface{}) { enqueue(cur) }, DeleteFunc: enqueue,
	}
}
