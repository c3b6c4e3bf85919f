// Package serviceaccount is kube-controller-manager's serviceaccounts
// controller: every active namespace has a ServiceAccount named "default",
// made when the namespace appears and made again if it is deleted, so pods
// (which run as "default" unless they name another) can get tokens.
package serviceaccount

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/controller/queue"
)

// Default is the ServiceAccount every namespace gets.
const Default = "default"

// Config holds the controller's dependencies.
type Config struct {
	Client kubernetes.Interface
	// Informers is shared with other controllers when given; New creates
	// one when nil. Run starts it either way.
	Informers informers.SharedInformerFactory
}

// Controller keeps a "default" ServiceAccount in every active namespace.
type Controller struct {
	client     kubernetes.Interface
	informers  informers.SharedInformerFactory
	namespaces corelisters.NamespaceLister
	accounts   corelisters.ServiceAccountLister
	synced     []cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[string] // namespace names
}

// New builds a Controller; Run starts it.
func New(c Config) *Controller {
	if c.Informers == nil {
		c.Informers = informers.NewSharedInformerFactory(c.Client, 0)
	}
	ns, sa := c.Informers.Core().V1().Namespaces(), c.Informers.Core().V1().ServiceAccounts()
	ctl := &Controller{
		client: c.Client, informers: c.Informers,
		namespaces: ns.Lister(), accounts: sa.Lister(),
		synced: []cache.InformerSynced{ns.Informer().HasSynced, sa.Informer().HasSynced},
		queue:  queue.New[string]("serviceaccount", nil),
	}
	onNamespace := func(obj interface{}) {
		if n, ok := obj.(*corev1.Namespace); ok {
			ctl.queue.Add(n.Name)
		}
	}
	if _, err := ns.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: onNamespace, UpdateFunc: func(_, cur interface{}) { onNamespace(cur) },
	}); err != nil {
		klog.Errorf("serviceaccount: namespace event handler: %v", err)
	}
	if _, err := sa.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: ctl.onDelete}); err != nil {
		klog.Errorf("serviceaccount: service account event handler: %v", err)
	}
	return ctl
}

// onDelete queues the namespace of a deleted "default" ServiceAccount.
func (c *Controller) onDelete(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if sa, ok := obj.(*corev1.ServiceAccount); ok && sa.Name == Default {
		c.queue.Add(sa.Namespace)
	}
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	c.informers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	queue.Run(ctx, c.queue, "serviceaccount", workers, c.sync)
}

// sync creates the namespace's "default" ServiceAccount if it is missing;
// a terminating or vanished namespace gets none.
func (c *Controller) sync(ctx context.Context, name string) (*time.Duration, error) {
	ns, err := c.namespaces.Get(name)
	if apierrors.IsNotFound(err) || (err == nil && ns.Status.Phase != corev1.NamespaceActive) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err := c.accounts.ServiceAccounts(name).Get(Default); err == nil {
		return nil, nil
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: Default, Namespace: name}}
	_, err = c.client.CoreV1().ServiceAccounts(name).Create(ctx, sa, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err) || apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		return nil, nil
	}
	return nil, err
}
