// Package objcache serves the ConfigMaps and Secrets a node's pods
// reference from watches, as the kubelet's watch-based ConfigMap and
// Secret managers do, instead of a GET per pod start and per volume
// refresh.
//
// The node authorizer lets a node read only the objects its pods
// reference (package podrefs), so there is no namespace-wide informer:
// each referenced object gets a watch of its own (a list and watch with
// fieldSelector=metadata.name=<name>), shared by every pod that references
// it and stopped when the last of them is unregistered.
//
//	Register(pod) ─▶ refs +1 per object ─▶ first ref: reflector (list+watch by name) ─▶ store
//	ConfigMap/Secret(ns, name) ─▶ store once synced; not watched or not synced in time: GET
//	Unregister(pod) ─▶ refs −1 ─▶ last ref: watch stopped, store dropped
package objcache

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/ordo-dev/ordo/internal/podrefs"
)

// syncWait is how long a read waits for a new watch's first list, as the
// kubelet's Get waits a second; after it the object is read directly.
const syncWait = time.Second

type kind uint8

const (
	configMaps kind = iota
	secrets
)

type key struct {
	kind      kind
	namespace string
	name      string
}

// item is one watched object: its store, fed by a reflector, and the pods
// that reference it.
type item struct {
	pods  map[types.UID]bool
	store *listedStore
	stop  chan struct{}
}

// listedStore is a reflector's store that knows when the first list has
// filled it (a list's resourceVersion cannot say: it may be empty).
type listedStore struct {
	cache.Store
	listed atomic.Bool
}

// Replace is the reflector's delivery of a whole list.
func (s *listedStore) Replace(items []interface{}, resourceVersion string) error {
	err := s.Store.Replace(items, resourceVersion)
	if err == nil {
		s.listed.Store(true)
	}
	return err
}

// Cache is the node's watch-based cache of referenced ConfigMaps and
// Secrets. Its methods may be called from many goroutines.
type Cache struct {
	client kubernetes.Interface

	mu    sync.Mutex
	items map[key]*item
	pods  map[types.UID][]key // what each registered pod references
}

// New returns an empty Cache reading through client.
func New(client kubernetes.Interface) *Cache {
	return &Cache{client: client, items: map[key]*item{}, pods: map[types.UID][]key{}}
}

// Register records the ConfigMaps and Secrets p references and starts a
// watch for each one not watched yet. Registering a pod again replaces
// its references (the kubelet registers on every pod update).
func (c *Cache) Register(p *corev1.Pod) {
	r := podrefs.Of(p)
	var keys []key
	for name := range r.ConfigMaps {
		keys = append(keys, key{configMaps, p.Namespace, name})
	}
	for name := range r.Secrets {
		keys = append(keys, key{secrets, p.Namespace, name})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		it := c.items[k]
		if it == nil {
			it = c.watch(k)
			c.items[k] = it
		}
		it.pods[p.UID] = true
	}
	c.releaseLocked(p.UID, keys)
	c.pods[p.UID] = keys
}

// Unregister drops pod uid's references; an object no pod references any
// more is no longer watched.
func (c *Cache) Unregister(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.releaseLocked(uid, nil)
	delete(c.pods, uid)
}

// releaseLocked drops uid's references to the objects it referenced
// before, except those in keep.
func (c *Cache) releaseLocked(uid types.UID, keep []key) {
	for _, k := range c.pods[uid] {
		if contains(keep, k) {
			continue
		}
		it := c.items[k]
		if it == nil {
			continue
		}
		delete(it.pods, uid)
		if len(it.pods) == 0 {
			close(it.stop)
			delete(c.items, k)
		}
	}
}

func contains(keys []key, k key) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// Stop ends every watch (the agent is stopping).
func (c *Cache) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, it := range c.items {
		close(it.stop)
		delete(c.items, k)
	}
	c.pods = map[types.UID][]key{}
}

// Watched says how many objects are watched now (for tests).
func (c *Cache) Watched() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

// ConfigMap reads a ConfigMap: from its watch when a registered pod
// references it, else from the API. A missing one is a NotFound error.
func (c *Cache) ConfigMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error) {
	if obj, ok := c.cached(ctx, key{configMaps, namespace, name}); ok {
		if obj == nil {
			return nil, apierrors.NewNotFound(corev1.Resource("configmaps"), name)
		}
		return obj.(*corev1.ConfigMap), nil
	}
	return c.client.CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
}

// Secret is ConfigMap for a Secret.
func (c *Cache) Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	if obj, ok := c.cached(ctx, key{secrets, namespace, name}); ok {
		if obj == nil {
			return nil, apierrors.NewNotFound(corev1.Resource("secrets"), name)
		}
		return obj.(*corev1.Secret), nil
	}
	return c.client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
}

// cached is k's object from its watch (nil: it does not exist), and
// whether the watch could answer: k is watched and has listed within
// syncWait. Otherwise the caller reads the API, which also reports why
// a watch could not list (the node may not read the object yet).
func (c *Cache) cached(ctx context.Context, k key) (runtime.Object, bool) {
	c.mu.Lock()
	it := c.items[k]
	c.mu.Unlock()
	if it == nil {
		return nil, false
	}
	synced := it.store.listed.Load
	deadline := time.NewTimer(syncWait)
	defer deadline.Stop()
	for !synced() {
		select {
		case <-ctx.Done():
			return nil, false
		case <-it.stop:
			return nil, false
		case <-deadline.C:
			return nil, false
		case <-time.After(5 * time.Millisecond):
		}
	}
	obj, exists, err := it.store.GetByKey(k.namespace + "/" + k.name)
	if err != nil {
		return nil, false
	}
	if !exists {
		return nil, true
	}
	return obj.(runtime.Object), true
}

// watch starts k's reflector: a list and watch of the one object by name
// (a single watch with its initial events, where the server offers that).
func (c *Cache) watch(k key) *item {
	var lw cache.ListerWatcher
	var example runtime.Object
	switch k.kind {
	case configMaps:
		api := c.client.CoreV1().ConfigMaps(k.namespace)
		example = &corev1.ConfigMap{}
		lw = c.byName(k.name, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return api.List(ctx, o) }, api.Watch)
	default:
		api := c.client.CoreV1().Secrets(k.namespace)
		example = &corev1.Secret{}
		lw = c.byName(k.name, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return api.List(ctx, o) }, api.Watch)
	}
	store := &listedStore{Store: cache.NewStore(cache.MetaNamespaceKeyFunc)}
	r := cache.NewReflectorWithOptions(lw, example, store, cache.ReflectorOptions{
		Name: fmt.Sprintf("objcache %s/%s", k.namespace, k.name),
	})
	it := &item{pods: map[types.UID]bool{}, store: store, stop: make(chan struct{})}
	go r.Run(it.stop)
	return it
}

// byName restricts list and watch to the object named name, the only
// list or watch the node authorizer allows a node.
func (c *Cache) byName(name string, list cache.ListWithContextFunc, watchFn cache.WatchFuncWithContext) cache.ListerWatcher {
	selector := fields.OneTermEqualSelector("metadata.name", name).String()
	return cache.ToListWatcherWithWatchListSemantics(&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = selector
			return list(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = selector
			return watchFn(ctx, o)
		},
	}, c.client)
}
