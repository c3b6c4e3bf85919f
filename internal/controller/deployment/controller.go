package deployment

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/controller/controllerref"
)

// component is the event source, as Kubernetes names it.
const component = "deployment-controller"

// Config holds the controller's dependencies: the client, the informer
// factory (created when nil) and the clock (real when nil), which drives
// the workqueue and the progress deadline.
type Config = base.Config

// Controller rolls Deployments out through ReplicaSets.
type Controller struct {
	base        *base.Base
	client      kubernetes.Interface
	clock       clock.WithTicker
	deployments cache.SharedIndexInformer
	sets        cache.SharedIndexInformer
	pods        cache.SharedIndexInformer
	dLister     appslisters.DeploymentLister
	rsLister    appslisters.ReplicaSetLister
	recorder    record.EventRecorder
	queue       workqueue.TypedRateLimitingInterface[string]
}

// New builds a Controller; Run starts it. It fails when an index or an
// event handler cannot be added.
func New(c Config) (*Controller, error) {
	b, err := base.New(c, "deployment", component)
	if err != nil {
		return nil, err
	}
	apps := b.Informers.Apps().V1()
	ctl := &Controller{
		base: b, client: b.Client, clock: b.Clock,
		deployments: apps.Deployments().Informer(), sets: apps.ReplicaSets().Informer(),
		pods:    b.Informers.Core().V1().Pods().Informer(),
		dLister: apps.Deployments().Lister(), rsLister: apps.ReplicaSets().Lister(),
		recorder: b.Recorder, queue: b.Queue,
	}
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		return nil, fmt.Errorf("deployment: pod index: %w", err)
	}
	if err := ctl.addHandlers(); err != nil {
		return nil, err
	}
	return ctl, nil
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.base.Run(ctx, workers, c.sync)
}

func (c *Controller) addHandlers() error {
	if err := c.base.WatchKeys(c.deployments); err != nil {
		return err
	}
	owners := controllerref.OwnerHandler(deploymentKind, c.queue.Add, func(m metav1.Object) {
		if rs, ok := m.(*appsv1.ReplicaSet); ok {
			c.deploymentsSelecting(rs)
		}
	})
	if err := c.base.Watch(c.sets, owners); err != nil {
		return err
	}
	// A Recreate rollout waits for the old pods to be gone.
	return c.base.Watch(c.pods, cache.ResourceEventHandlerFuncs{DeleteFunc: func(obj interface{}) {
		_, key, _ := controllerref.ControllerOf(obj, rsKind)
		if ns, name, err := cache.SplitMetaNamespaceKey(key); err == nil && key != "" {
			if rs, err := c.rsLister.ReplicaSets(ns).Get(name); err == nil {
				owners.OnAdd(rs, false)
			}
		}
	}})
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
