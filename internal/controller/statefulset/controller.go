package statefulset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/controller/controllerref"
)

// component is the event source, as Kubernetes names it.
const component = "statefulset-controller"

// Config holds the controller's dependencies: the client, the informer
// factory (created when nil) and the clock (real when nil), which drives
// the workqueue and availability.
type Config = base.Config

// Controller runs StatefulSets' pods.
type Controller struct {
	base        *base.Base
	client      kubernetes.Interface
	clock       clock.WithTicker
	sets        cache.SharedIndexInformer
	pods        cache.SharedIndexInformer
	revisions   cache.SharedIndexInformer
	claims      cache.SharedIndexInformer
	setLister   appslisters.StatefulSetLister
	revLister   appslisters.ControllerRevisionLister
	claimLister corelisters.PersistentVolumeClaimLister
	recorder    record.EventRecorder
	queue       workqueue.TypedRateLimitingInterface[string]
}

// New builds a Controller; Run starts it. It fails when an index or an
// event handler cannot be added.
func New(c Config) (*Controller, error) {
	b, err := base.New(c, "statefulset", component)
	if err != nil {
		return nil, err
	}
	apps, core := b.Informers.Apps().V1(), b.Informers.Core().V1()
	ctl := &Controller{
		base: b, client: b.Client, clock: b.Clock,
		sets: apps.StatefulSets().Informer(), pods: core.Pods().Informer(),
		revisions: apps.ControllerRevisions().Informer(), claims: core.PersistentVolumeClaims().Informer(),
		setLister: apps.StatefulSets().Lister(), revLister: apps.ControllerRevisions().Lister(),
		claimLister: core.PersistentVolumeClaims().Lister(),
		recorder:    b.Recorder, queue: b.Queue,
	}
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		return nil, fmt.Errorf("statefulset: pod index: %w", err)
	}
	// Revisions and claims are read through their listers only.
	b.WaitFor(ctl.revisions.HasSynced, ctl.claims.HasSynced)
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
	if err := c.base.WatchKeys(c.sets); err != nil {
		return err
	}
	h := controllerref.OwnerHandler(setKind, c.queue.Add, func(m metav1.Object) {
		if p, ok := m.(*corev1.Pod); ok {
			c.enqueueMatching(p)
		}
	})
	// An updated pod concerns its old controller (or matching sets) too.
	h.UpdateFunc = func(old, cur interface{}) {
		h.OnAdd(old, false)
		h.OnAdd(cur, false)
	}
	return c.base.Watch(c.pods, h)
}

// enqueueMatching queues the sets that may adopt an orphan.
func (c *Controller) enqueueMatching(p *corev1.Pod) {
	sets, err := c.setLister.StatefulSets(p.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, s := range sets {
		sel, err := metav1.LabelSelectorAsSelector(s.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(p.Labels)) && ordinalOf(s, p) >= 0 {
			c.queue.Add(p.Namespace + "/" + s.Name)
		}
	}
}

// ownedRevisions are the ControllerRevisions the set controls.
func (c *Controller) ownedRevisions(set *appsv1.StatefulSet) ([]*appsv1.ControllerRevision, error) {
	all, err := c.revLister.ControllerRevisions(set.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var out []*appsv1.ControllerRevision
	for _, r := range all {
		if ref := metav1.GetControllerOf(r); ref != nil && ref.UID == set.UID {
			out = append(out, r)
		}
	}
	return out, nil
}
