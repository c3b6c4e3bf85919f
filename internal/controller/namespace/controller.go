package namespace

import (
	"context"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/ordo-dev/ordo/internal/controller/queue"
	"k8s.io/klog/v2"
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
	client         kubernetes.Interface
	discovery      discovery.DiscoveryInterface
	content        contentDeleter
	clock          clock.WithTicker
	informer       cache.SharedIndexInformer
	lister         corelisters.NamespaceLister
	queue          workqueue.TypedRateLimitingInterface[string]
	contentRecheck time.Duration
}

// New builds a Controller; Run starts it.
func New(c Config) *Controller {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	inf := coreinformers.NewNamespaceInformer(c.Client, 0, cache.Indexers{})
	ctl := &Controller{
		client:         c.Client,
		discovery:      c.Discovery,
		content:        contentDeleter{client: c.Metadata},
		clock:          c.Clock,
		informer:       inf,
		lister:         corelisters.NewNamespaceLister(inf.GetIndexer()),
		contentRecheck: contentRecheck,
		queue:          queue.New[string]("namespace", c.Clock),
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctl.onEvent,
		UpdateFunc: func(_, obj interface{}) { ctl.onEvent(obj) },
	}); err != nil {
		klog.Errorf("namespace: event handler: %v", err)
	}
	return ctl
}

// onEvent queues namespaces being deleted; others need nothing.
func (c *Controller) onEvent(obj interface{}) {
	if ns, ok := obj.(*v1.Namespace); ok && ns.DeletionTimestamp != nil {
		c.queue.Add(ns.Name)
	}
}

// Run works until ctx is done, then stops workers and the informer.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	go c.informer.Run(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.informer.HasSynced) {
		return
	}
	queue.Run(ctx, c.queue, "namespace", workers, c.sync)
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
