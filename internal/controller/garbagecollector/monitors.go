package garbagecollector

import (
	"context"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// monitor is one running metadata informer.
type monitor struct {
	informer cache.SharedIndexInformer
	stop     chan struct{}
}

// monitors owns one informer per watched resource and feeds their events
// into the graph. Resources come and go with discovery (CRDs), so the set
// is reconciled by add and retain rather than fixed at start.
type monitors struct {
	client  metadata.Interface
	graph   *graph
	enqueue func([]types.UID)

	mu      sync.Mutex
	running map[schema.GroupVersionResource]*monitor
	// late: the first informers have synced; informers started from now
	// on (a resource added since, such as a CRD's) recheck owners no
	// informer has shown once they sync (see start).
	late bool
}

// markInitialDone ends the start-up, after which new informers are late.
func (m *monitors) markInitialDone() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.late = true
}

// watching reports whether gvr has an informer.
func (m *monitors) watching(gvr schema.GroupVersionResource) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.running[gvr]
	return ok
}

// add starts informers for resources not yet watched. A resource whose
// informer cannot be set up is left out, logged, and tried again at the
// next discovery resync: a monitor without its handler would feed nothing
// to the graph while looking healthy.
func (m *monitors) add(ctx context.Context, want resourceKinds) (started int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for gvr, kind := range want {
		if _, ok := m.running[gvr]; ok {
			continue
		}
		mon, err := m.start(gvr, kind)
		if err != nil {
			klog.FromContext(ctx).Error(err, "Cannot watch a resource for garbage collection", "resource", gvr)
			continue
		}
		m.running[gvr] = mon
		started++
	}
	return started
}

// retain stops informers for resources discovery no longer lists (a CRD
// removed), forgetting the objects they had shown. Callers use it only
// after a complete discovery, never a partial one.
func (m *monitors) retain(want resourceKinds) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for gvr, mon := range m.running {
		if _, ok := want[gvr]; !ok {
			m.stopOne(gvr, mon)
		}
	}
}

// start runs a new informer for gvr, with its transform and handler.
func (m *monitors) start(gvr schema.GroupVersionResource, kind string) (*monitor, error) {
	inf := metadatainformer.NewFilteredMetadataInformer(m.client, gvr, metav1.NamespaceAll, 0, cache.Indexers{}, nil).Informer()
	if err := inf.SetTransform(keepOwnershipOnly); err != nil {
		return nil, fmt.Errorf("transform: %w", err)
	}
	if _, err := inf.AddEventHandler(m.handler(gvr, kind)); err != nil {
		return nil, fmt.Errorf("registering an event handler: %w", err)
	}
	mon := &monitor{informer: inf, stop: make(chan struct{})}
	go inf.Run(mon.stop)
	if m.late {
		// An owner of this resource may have been looked up live and then
		// deleted before the informer listed: no delete event will come.
		// Once it has synced, owners still unseen are rechecked through
		// their dependents (which look them up live).
		go func() {
			if cache.WaitForCacheSync(mon.stop, inf.HasSynced) {
				m.enqueue(m.graph.dependentsOfUnseenOwners())
			}
		}()
	}
	return mon, nil
}

func (m *monitors) stopOne(gvr schema.GroupVersionResource, mon *monitor) {
	close(mon.stop)
	delete(m.running, gvr)
	for _, obj := range mon.informer.GetStore().List() {
		if o, ok := obj.(metav1.Object); ok {
			m.enqueue(m.graph.forget(o.GetUID()))
		}
	}
}

// stopAll stops every informer; used when Run returns.
func (m *monitors) stopAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for gvr, mon := range m.running {
		close(mon.stop)
		delete(m.running, gvr)
	}
}

// synced lists HasSynced of every running informer.
func (m *monitors) synced() []cache.InformerSynced {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]cache.InformerSynced, 0, len(m.running))
	for _, mon := range m.running {
		out = append(out, mon.informer.HasSynced)
	}
	return out
}

func (m *monitors) handler(gvr schema.GroupVersionResource, kind string) cache.ResourceEventHandler {
	observe := func(obj interface{}) {
		if o, ok := obj.(metav1.Object); ok {
			m.enqueue(m.graph.observe(refOf(gvr, kind, o), o))
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    observe,
		UpdateFunc: func(_, obj interface{}) { observe(obj) },
		DeleteFunc: func(obj interface{}) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if o, ok := obj.(metav1.Object); ok {
				m.enqueue(m.graph.forget(o.GetUID()))
			}
		},
	}
}

func refOf(gvr schema.GroupVersionResource, kind string, o metav1.Object) objectRef {
	return objectRef{
		Resource:   gvr,
		APIVersion: gvr.GroupVersion().String(),
		Kind:       kind,
		Namespace:  o.GetNamespace(),
		Name:       o.GetName(),
		UID:        o.GetUID(),
	}
}

// keepOwnershipOnly drops what the collector never reads from the objects
// it caches (one of every object of every kind): managedFields, labels and
// annotations (kubectl's last-applied-configuration alone can be kilobytes).
// With ten thousand CronJobs this was 8 MB of the server's live heap.
func keepOwnershipOnly(obj interface{}) (interface{}, error) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
		m.SetLabels(nil)
		m.SetAnnotations(nil)
	}
	return obj, nil
}
