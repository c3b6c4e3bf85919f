package deployment

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/controller/events"
	"github.com/ordo-dev/ordo/internal/controller/queue"
)

// component is the event source, as Kubernetes names it.
const component = "deployment-controller"

// Config holds the controller's dependencies.
type Config struct {
	// Client reads and writes Deployments, ReplicaSets and events.
	Client kubernetes.Interface
	// Informers is shared with other controllers when given.
	Informers informers.SharedInformerFactory
	// Clock drives the workqueue and the progress deadline.
	Clock clock.WithTicker
}

// Controller rolls Deployments out through ReplicaSets.
type Controller struct {
	client      kubernetes.Interface
	clock       clock.WithTicker
	informers   informers.SharedInformerFactory
	deployments cache.SharedIndexInformer
	sets        cache.SharedIndexInformer
	pods        cache.SharedIndexInformer
	dLister     appslisters.DeploymentLister
	rsLister    appslisters.ReplicaSetLister
	broadcaster record.EventBroadcaster
	recorder    record.EventRecorder
	queue       workqueue.TypedRateLimitingInterface[string]
}

// New builds a Controller; Run starts it.
func New(c Config) *Controller {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Informers == nil {
		c.Informers = informers.NewSharedInformerFactory(c.Client, 0)
	}
	b := events.NewBroadcaster(c.Clock)
	apps := c.Informers.Apps().V1()
	ctl := &Controller{
		client: c.Client, clock: c.Clock, informers: c.Informers,
		deployments: apps.Deployments().Informer(), sets: apps.ReplicaSets().Informer(),
		pods:    c.Informers.Core().V1().Pods().Informer(),
		dLister: apps.Deployments().Lister(), rsLister: apps.ReplicaSets().Lister(),
		broadcaster: b, recorder: events.Recorder(b, component),
		queue: queue.New[string]("deployment", c.Clock),
	}
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		klog.Errorf("deployment: pod index: %v", err)
	}
	ctl.addHandlers()
	return ctl
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	defer events.Start(c.broadcaster, c.client)()
	c.informers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.deployments.HasSynced, c.sets.HasSynced, c.pods.HasSynced) {
		return
	}
	queue.Run(ctx, c.queue, "deployment", workers, c.sync)
}

func (c *Controller) addHandlers() {
	if _, err := c.deployments.AddEventHandler(queue.KeyHandler(c.queue)); err != nil {
		klog.Errorf("deployment: event handler: %v", err)
	}
	owner := func(obj interface{}) {
		m, key, orphan := controllerref.ControllerOf(obj, deploymentKind)
		if key != "" {
			c.queue.Add(key)
		} else if rs, ok := m.(*appsv1.ReplicaSet); ok && orphan {
			c.deploymentsSelecting(rs)
		}
	}
	if _, err := c.sets.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: owner, UpdateFunc: func(_, cur interface{}) { owner(cur) }, DeleteFunc: owner,
	}); err != nil {
		klog.Errorf("deployment: replicaset event handler: %v", err)
	}
	// A Recreate rollout waits for the old pods to be gone.
	if _, err := c.pods.AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: func(obj interface{}) {
		_, key, _ := controllerref.ControllerOf(obj, rsKind)
		if ns, name, err := cache.SplitMetaNamespaceKey(key); err == nil && key != "" {
			if rs, err := c.rsLister.ReplicaSets(ns).Get(name); err == nil {
				owner(rs)
			}
		}
	}}); err != nil {
		klog.Errorf("deployment: pod event handler: %v", err)
	}
}

// claimSets are the ReplicaSets d controls, after releasing those whose
// labels stopped matching its selector and adopting matching orphans, as
// Kubernetes' Deployment controller does.
func (c *Controller) claimSets(ctx context.Context, d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
	all, err := c.rsLister.ReplicaSets(d.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var owned, orphans []*appsv1.ReplicaSet
	for _, rs := range all {
		switch ref := metav1.GetControllerOf(rs); {
		case ref == nil:
			orphans = append(orphans, rs)
		case ref.UID == d.UID:
			owned = append(owned, rs)
		}
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return owned, nil // validation refuses such selectors
	}
	rsClient := c.client.AppsV1().ReplicaSets(d.Namespace)
	return controllerref.ClaimObjects(ctx, controllerref.Owner{
		Object: d, Kind: deploymentKind, Selector: sel,
		Fresh: func(ctx context.Context) (metav1.Object, error) {
			return c.client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
		},
	}, owned, orphans, func(ctx context.Context, name string, patch []byte) (*appsv1.ReplicaSet, error) {
		return rsClient.Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	})
}

// deploymentsSelecting enqueues the Deployments whose selector matches an
// orphaned ReplicaSet, so one of them adopts it.
func (c *Controller) deploymentsSelecting(rs *appsv1.ReplicaSet) {
	ds, err := c.dLister.Deployments(rs.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, d := range ds {
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(rs.Labels)) {
			c.queue.Add(d.Namespace + "/" + d.Name)
		}
	}
}

// podsOf counts the pods of ReplicaSets, for Recreate.
func (c *Controller) podsOf(rss []*appsv1.ReplicaSet) int {
	n := 0
	for _, rs := range rss {
		objs, _ := c.pods.GetIndexer().ByIndex(controllerref.Index, controllerref.ControllerKey(rs.UID))
		n += len(objs)
	}
	return n
}
