package namespace

import (
	"context"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"k8s.io/utils/clock"
)

// contentRecheck is how soon a namespace whose content is still going
// (finalizers, pods terminating) is looked at again.
const contentRecheck = 2 * time.Second

// Config holds the controller's dependencies.
type Config struct {
	// Client watches, finalizes and deletes namespaces.
	Client kubernetes.Interface
	// Metadata lists and deletes the content of namespaces.
	Metadata metadata.Interface
	// Discovery lists the namespaced resources to empty.
	Discovery discovery.DiscoveryInterface
	// Clock drives the workqueue and condition times; defaults to real.
	Clock clock.WithTicker
}

// Controller finishes the deletion of Terminating namespaces.
type Controller struct {
	base           *base.Base
	client         kubernetes.Interface
	discovery      discovery.DiscoveryInterface
	content        contentDeleter
	clock          clock.WithTicker
	informer       cache.SharedIndexInformer
	lister         corelisters.NamespaceLister
	queue          workqueue.TypedRateLimitingInterface[string]
	contentRecheck time.Duration
}

// New builds a Controller; Run starts it. It watches namespaces through an
// informer factory of its own. It fails when its event handler cannot be
// added.
func New(c Config) (*Controller, error) {
	b, err := base.New(base.Config{Client: c.Client, Clock: c.Clock}, "namespace", "namespace-controller")
	if err != nil {
		return nil, err
	}
	namespaces := b.Informers.Core().V1().Namespaces()
	ctl := &Controller{
		base:           b,
		client:         b.Client,
		discovery:      c.Discovery,
		content:        contentDeleter{client: c.Metadata},
		clock:          b.Clock,
		informer:       namespaces.Informer(),
		lister:         namespaces.Lister(),
		contentRecheck: contentRecheck,
		queue:          b.Queue,
	}
	if err := b.Watch(ctl.informer, cache.ResourceEventHandlerFuncs{
		AddFunc:    ctl.onEvent,
		UpdateFunc: func(_, obj interface{}) { ctl.onEvent(obj) },
	}); err != nil {
		return nil, err
	}
	return ctl, nil
}

// onEvent queues namespaces being deleted; others need nothing.
func (c *Controller) onEvent(obj interface{}) {
	if ns, ok := obj.(*v1.Namespace); ok && ns.DeletionTimestamp != nil {
		c.queue.Add(ns.Name)
	}
}

// Run works until ctx is done, then stops workers and the informer.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.base.Run(ctx, workers, c.sync)
}

// deleteNamespace issues the final DELETE, only for the same namespace.
func (c *Controller) deleteNamespace(ctx context.Context, ns *v1.Namespace) error {
	uid := ns.UID
	err := c.client.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &uid},
	})
	if apierrors.IsConflict(err) {
		return nil // a new namespace of that name: not ours to delete
	}
	return ignoreGone(err)
}
