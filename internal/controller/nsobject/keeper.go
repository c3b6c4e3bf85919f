// Package nsobject keeps one named object in every active namespace, made
// when the namespace appears and made (or repaired) again when it is
// deleted or changed. Kubernetes has two controllers of this shape: the
// serviceaccounts controller (a "default" ServiceAccount) and the
// root-ca-cert-publisher (the "kube-root-ca.crt" ConfigMap); both use it.
package nsobject

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/ordo-dev/ordo/internal/controller/base"
)

// Kept describes the object kept in each namespace.
type Kept struct {
	// Name is the object's name in every namespace.
	Name string
	// Informer watches the object's kind (it may be limited to Name).
	Informer cache.SharedIndexInformer
	// Ensure makes the object in namespace, or repairs current, the cached
	// copy (nil when there is none). It runs only for active namespaces.
	Ensure func(ctx context.Context, namespace string, current runtime.Object) error
}

// Keeper runs one Kept.
type Keeper struct {
	base       *base.Base
	kept       Kept
	namespaces corelisters.NamespaceLister
	queue      workqueue.TypedRateLimitingInterface[string] // namespace names
}

// New builds a Keeper on b, whose Queue holds namespace names and whose
// informer factory provides the namespaces; Run starts it. It fails when
// an event handler cannot be added.
func New(k Kept, b *base.Base) (*Keeper, error) {
	namespaces := b.Informers.Core().V1().Namespaces()
	c := &Keeper{base: b, kept: k, namespaces: namespaces.Lister(), queue: b.Queue}
	onNamespace := func(obj interface{}) {
		if n, ok := obj.(*corev1.Namespace); ok {
			c.queue.Add(n.Name)
		}
	}
	if err := b.Watch(namespaces.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: onNamespace, UpdateFunc: func(_, cur interface{}) { onNamespace(cur) },
	}); err != nil {
		return nil, err
	}
	if err := b.Watch(k.Informer, cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, cur interface{}) { c.onObject(cur) },
		DeleteFunc: c.onObject,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// onObject queues the namespace of a changed or deleted kept object.
func (c *Keeper) onObject(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if m, err := meta.Accessor(obj); err == nil && m.GetName() == c.kept.Name {
		c.queue.Add(m.GetNamespace())
	}
}

// Run works until ctx is done. It starts b's informer factory; an
// informer of another factory (Kept.Informer) is the caller's to start.
func (c *Keeper) Run(ctx context.Context, workers int) {
	c.base.Run(ctx, workers, c.sync)
}

// sync ensures the object of one namespace; a terminating or vanished
// namespace gets none, and writes refused because it is going are no error.
func (c *Keeper) sync(ctx context.Context, name string) (*time.Duration, error) {
	ns, err := c.namespaces.Get(name)
	if apierrors.IsNotFound(err) || (err == nil && ns.Status.Phase != corev1.NamespaceActive) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var current runtime.Object
	if obj, ok, err := c.kept.Informer.GetIndexer().GetByKey(name + "/" + c.kept.Name); err != nil {
		return nil, err
	} else if ok {
		current = obj.(runtime.Object)
	}
	err = c.kept.Ensure(ctx, name, current)
	if apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err) || apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		return nil, nil
	}
	return nil, err
}
