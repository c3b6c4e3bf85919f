package warm

import (
	"context"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// Cache is the agent's informers of CronJobs and Leases, which its warm
// runner pods' loops read (Listers). They start with the first runner pod
// on the node, not with the agent: a node that runs no warm runner then
// neither watches nor holds a copy of every CronJob and Lease in the
// cluster (10,000 idle CronJobs cost the server's own agent about 60 MiB
// and a watch event per CronJob status write). Once started they run
// until the agent stops, since another runner pod is likely to come.
type Cache struct {
	ctx     context.Context
	client  kubernetes.Interface
	once    sync.Once
	listers Listers
}

// NewCache returns a Cache whose informers, once started, run until ctx
// ends.
func NewCache(ctx context.Context, client kubernetes.Interface) *Cache {
	return &Cache{ctx: ctx, client: client}
}

// Listers starts the informers on the first call and returns their
// listers; until they have synced, the loops read from the API
// (Listers.Synced). A nil Cache gives no listers.
func (c *Cache) Listers() Listers {
	if c == nil {
		return Listers{}
	}
	c.once.Do(c.start)
	return c.listers
}

func (c *Cache) start() {
	f := informers.NewSharedInformerFactoryWithOptions(c.client, 0, informers.WithTransform(trimForLoops))
	cronJobs, leases := f.Batch().V1().CronJobs(), f.Coordination().V1().Leases()
	cj, l := cronJobs.Informer(), leases.Informer()
	c.listers = Listers{
		CronJobs: cronJobs.Lister(),
		Leases:   leases.Lister(),
		Synced:   func() bool { return cj.HasSynced() && l.HasSynced() },
	}
	f.Start(c.ctx.Done())
	go func() {
		<-c.ctx.Done()
		f.Shutdown()
	}()
}

// trimForLoops keeps of each object what a slot loop reads: a Lease
// whole but for its managedFields; of a CronJob its metadata (events name
// it) and the spec's schedule, zone, suspend, deadline and concurrency
// policy, not its Job template or status, which are most of its size.
func trimForLoops(obj interface{}) (interface{}, error) {
	switch o := obj.(type) {
	case *batchv1.CronJob:
		o.ManagedFields = nil
		o.Spec.JobTemplate = batchv1.JobTemplateSpec{}
		o.Status = batchv1.CronJobStatus{}
	case *coordinationv1.Lease:
		o.ManagedFields = nil
	case cache.DeletedFinalStateUnknown:
		// Its object was trimmed when it was cached.
	}
	return obj, nil
}
