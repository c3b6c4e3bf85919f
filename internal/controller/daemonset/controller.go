package daemonset

import (
	"context"
	"fmt"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/controller/expectations"
	"github.com/ordo-dev/ordo/internal/controller/podcontrol"
)

// component is the event source, as Kubernetes names it.
const component = "daemonset-controller"

// Back-off before deleting a node's failed daemon pod again, as
// Kubernetes' (a node that keeps rejecting the pod is not hot-looped).
const (
	failedPodBackoff    = time.Second
	maxFailedPodBackoff = 15 * time.Minute
)

// Config holds the controller's dependencies: the client, the informer
// factory (created when nil) and the clock (real when nil).
type Config = base.Config

// Controller runs each DaemonSet's pod on every node that should run it.
type Controller struct {
	base       *base.Base
	client     kubernetes.Interface
	clock      clock.WithTicker
	sets       cache.SharedIndexInformer
	pods       cache.SharedIndexInformer
	nodes      cache.SharedIndexInformer
	revisions  cache.SharedIndexInformer
	lister     appslisters.DaemonSetLister
	nodeLister corelisters.NodeLister
	revLister  appslisters.ControllerRevisionLister
	recorder   record.EventRecorder
	queue      workqueue.TypedRateLimitingInterface[string]
	expect     *expectations.Expectations
	pc         podcontrol.Control
	failed     *flowcontrol.Backoff
}

// New builds a Controller; Run starts it. It fails when an index or an
// event handler cannot be added.
func New(c Config) (*Controller, error) {
	b, err := base.New(c, "daemonset", component)
	if err != nil {
		return nil, err
	}
	apps, core := b.Informers.Apps().V1(), b.Informers.Core().V1()
	ctl := &Controller{
		base:       b,
		client:     b.Client,
		clock:      b.Clock,
		sets:       apps.DaemonSets().Informer(),
		pods:       core.Pods().Informer(),
		nodes:      core.Nodes().Informer(),
		revisions:  apps.ControllerRevisions().Informer(),
		lister:     apps.DaemonSets().Lister(),
		nodeLister: core.Nodes().Lister(),
		revLister:  apps.ControllerRevisions().Lister(),
		recorder:   b.Recorder,
		queue:      b.Queue,
		expect:     expectations.New(),
		failed:     flowcontrol.NewBackOff(failedPodBackoff, maxFailedPodBackoff),
	}
	ctl.pc = podcontrol.Control{Client: b.Client, Recorder: b.Recorder, Expect: ctl.expect}
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		return nil, fmt.Errorf("daemonset: pod index: %w", err)
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
	if err := c.base.Watch(c.sets, podcontrol.OwnerHandler(c.queue, c.expect)); err != nil {
		return err
	}
	if err := c.base.Watch(c.pods, podcontrol.PodHandler(dsKind, c.queue, c.expect, c.enqueueMatching)); err != nil {
		return err
	}
	if err := c.base.Watch(c.nodes, cache.ResourceEventHandlerFuncs{
		AddFunc: func(interface{}) { c.enqueueAll() },
		UpdateFunc: func(old, cur interface{}) {
			o, ok1 := old.(*corev1.Node)
			n, ok2 := cur.(*corev1.Node)
			if ok1 && ok2 && nodeChanged(o, n) {
				c.enqueueAll()
			}
		},
		DeleteFunc: func(interface{}) { c.enqueueAll() },
	}); err != nil {
		return err
	}
	return c.base.Watch(c.revisions, controllerref.OwnerHandler(dsKind, c.queue.Add, nil))
}

// nodeChanged says whether a node update can change where daemons run:
// its labels or spec (taints, unschedulable), not its heartbeats.
func nodeChanged(old, cur *corev1.Node) bool {
	return !reflect.DeepEqual(old.Labels, cur.Labels) || !reflect.DeepEqual(old.Spec, cur.Spec)
}

func (c *Controller) enqueueAll() {
	sets, err := c.lister.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range sets {
		c.queue.Add(ds.Namespace + "/" + ds.Name)
	}
}

// enqueueMatching queues the DaemonSets whose selector matches an orphan.
func (c *Controller) enqueueMatching(p *corev1.Pod) {
	sets, err := c.lister.DaemonSets(p.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range sets {
		if sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector); err == nil && !sel.Empty() && sel.Matches(labels.Set(p.Labels)) {
			c.queue.Add(p.Namespace + "/" + ds.Name)
		}
	}
}

// logger is the controller's logger for ctx.
func logger(ctx context.Context) klog.Logger { return klog.FromContext(ctx).WithName("daemonset") }
