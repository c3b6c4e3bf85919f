package garbagecollector

import (
	"context"
	"errors"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/ordo-dev/ordo/internal/controller/queue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// Defaults for Config fields left zero.
const (
	defaultResyncDiscovery = 30 * time.Second
	// cacheSyncTimeout bounds the wait for informers before workers start:
	// one resource that cannot be listed must not stop collection.
	cacheSyncTimeout = time.Minute
	// recheckForeground is the safety-net delay before looking again at an
	// owner waiting for its dependents.
	recheckForeground = 30 * time.Second
)

// Config holds the collector's dependencies.
type Config struct {
	// Metadata reads, patches and deletes objects (required).
	Metadata metadata.Interface
	// Discovery lists the resources to watch (required).
	Discovery discovery.DiscoveryInterface
	// Mapper resolves an ownerReference's kind to a resource. Defaults to a
	// deferred mapper over Discovery.
	Mapper meta.RESTMapper
	// Clock drives the workqueue and the discovery resync. Defaults to the
	// real clock.
	Clock clock.WithTicker
	// ResyncDiscovery is how often discovery is re-read so resources added
	// later (CRDs) are watched. Defaults to 30s.
	ResyncDiscovery time.Duration
}

// Controller is the garbage collector.
type Controller struct {
	metadata          metadata.Interface
	discovery         discovery.DiscoveryInterface
	mapper            meta.RESTMapper
	clock             clock.WithTicker
	resync            time.Duration
	recheckForeground time.Duration
	graph             *graph
	monitors          *monitors
	queue             workqueue.TypedRateLimitingInterface[types.UID]
	// rediscover asks Run for a discovery resync before the next tick:
	// a CRD changed, or an owner's resource is not watched yet.
	rediscover chan struct{}
}

// New checks c, fills defaults and builds a Controller; Run starts it.
func New(c Config) (*Controller, error) {
	if c.Metadata == nil || c.Discovery == nil {
		return nil, errors.New("garbagecollector: Metadata and Discovery are required")
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.ResyncDiscovery <= 0 {
		c.ResyncDiscovery = defaultResyncDiscovery
	}
	if c.Mapper == nil {
		c.Mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(c.Discovery))
	}
	ctl := &Controller{
		metadata:          c.Metadata,
		discovery:         c.Discovery,
		mapper:            c.Mapper,
		clock:             c.Clock,
		resync:            c.ResyncDiscovery,
		recheckForeground: recheckForeground,
		graph:             newGraph(),
		queue:             queue.New[types.UID]("garbagecollector", c.Clock),
		rediscover:        make(chan struct{}, 1),
	}
	ctl.monitors = &monitors{
		client:  c.Metadata,
		graph:   ctl.graph,
		enqueue: ctl.enqueue,
		running: map[schema.GroupVersionResource]*monitor{},
	}
	return ctl, nil
}

// Run watches, collects, and re-reads discovery every ResyncDiscovery until
// ctx is done; then it stops workers and informers before returning.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.monitors.stopAll()
	c.resyncDiscovery(ctx)
	c.waitForCaches(ctx)
	c.monitors.markInitialDone()
	stopCRDs := c.watchCRDs()
	defer stopCRDs()
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for queue.ProcessNext(ctx, c.queue, "garbagecollector", c.sync) {
			}
		}()
	}
	ticker := c.clock.NewTicker(c.resync)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			c.queue.ShutDown()
			wg.Wait()
			return
		case <-ticker.C():
			c.resyncDiscovery(ctx)
		case <-c.rediscover:
			c.resyncDiscovery(ctx)
		}
	}
}

// resyncDiscovery re-reads discovery (bypassing any cache) and reconciles
// the informers with it.
func (c *Controller) resyncDiscovery(ctx context.Context) {
	logger := klog.FromContext(ctx)
	if cached, ok := c.discovery.(discovery.CachedDiscoveryInterface); ok {
		cached.Invalidate()
	}
	c.resetMapper()
	kinds, complete, err := deletableResources(c.discovery)
	if err != nil {
		logger.Error(err, "Garbage collector cannot list the resources to watch")
		return
	}
	if n := c.monitors.add(ctx, kinds); n > 0 {
		logger.V(2).Info("Garbage collector watching new resources", "count", n)
	}
	if complete {
		c.monitors.retain(kinds)
	}
}

// requestDiscovery asks Run for a resync now; requests while one is
// pending merge.
func (c *Controller) requestDiscovery() {
	select {
	case c.rediscover <- struct{}{}:
	default:
	}
}

// waitForCaches lets the graph fill before decisions start, bounded by
// cacheSyncTimeout on c's clock.
func (c *Controller) waitForCaches(ctx context.Context) {
	stop := make(chan struct{})
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(stop)
		select {
		case <-ctx.Done():
		case <-done:
		case <-c.clock.After(cacheSyncTimeout):
		}
	}()
	if !cache.WaitForCacheSync(stop, c.monitors.synced()...) {
		klog.FromContext(ctx).Info("Garbage collector starting before every informer synced")
	}
}

func (c *Controller) enqueue(uids []types.UID) {
	for _, u := range uids {
		c.queue.Add(u)
	}
}

// sync decides for one object and acts: read the graph, refresh the object
// live, look its owners up live when needed, plan, apply.
func (c *Controller) sync(ctx context.Context, uid types.UID) (*time.Duration, error) {
	v, ok := c.graph.view(uid)
	if !ok {
		return nil, nil
	}
	latest, err := c.get(ctx, v.Ref)
	if apierrors.IsNotFound(err) || (err == nil && latest.UID != uid) {
		// Gone, though no delete event reached us yet: act as if it had.
		c.enqueue(c.graph.forget(uid))
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v = v.withLatest(latest)
	var owners map[types.UID]ownerState
	if needsOwnerStates(v) {
		if owners, err = c.ownerStates(ctx, v); err != nil {
			return nil, err
		}
	}
	return c.apply(ctx, v, latest, plan(v, owners))
}
