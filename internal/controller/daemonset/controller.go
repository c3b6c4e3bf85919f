package daemonset

import (
	"context"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/controller/events"
	"github.com/ordo-dev/ordo/internal/controller/expectations"
	"github.com/ordo-dev/ordo/internal/controller/queue"
)

// component is the event source, as Kubernetes names it.
const component = "daemonset-controller"

// Back-off before deleting a node's failed daemon pod again, as
// Kubernetes' (a node that keeps rejecting the pod is not hot-looped).
const (
	failedPodBackoff    = time.Second
	maxFailedPodBackoff = 15 * time.Minute
)

// Config holds the controller's dependencies.
type Config struct {
	// Client reads and writes DaemonSets, pods, revisions and events.
	Client kubernetes.Interface
	// Informers is shared with other controllers when given; New creates
	// one when nil. Run starts it either way.
	Informers informers.SharedInformerFactory
	// Clock drives the workqueue and availability; the real clock when nil.
	Clock clock.WithTicker
}

// Controller runs each DaemonSet's pod on every node that should run it.
type Controller struct {
	client      kubernetes.Interface
	clock       clock.WithTicker
	informers   informers.SharedInformerFactory
	sets        cache.SharedIndexInformer
	pods        cache.SharedIndexInformer
	nodes       cache.SharedIndexInformer
	revisions   cache.SharedIndexInformer
	lister      appslisters.DaemonSetLister
	nodeLister  corelisters.NodeLister
	revLister   appslisters.ControllerRevisionLister
	broadcaster record.EventBroadcaster
	recorder    record.EventRecorder
	queue       workqueue.TypedRateLimitingInterface[string]
	expect      *expectations.Expectations
	failed      *flowcontrol.Backoff
}

// New builds a Controller; Run starts it.
func New(c Config) (*Controller, error) {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Informers == nil {
		c.Informers = informers.NewSharedInformerFactory(c.Client, 0)
	}
	apps, core := c.Informers.Apps().V1(), c.Informers.Core().V1()
	b := events.NewBroadcaster(c.Clock)
	ctl := &Controller{
		client:      c.Client,
		clock:       c.Clock,
		informers:   c.Informers,
		sets:        apps.DaemonSets().Informer(),
		pods:        core.Pods().Informer(),
		nodes:       core.Nodes().Informer(),
		revisions:   apps.ControllerRevisions().Informer(),
		lister:      apps.DaemonSets().Lister(),
		nodeLister:  core.Nodes().Lister(),
		revLister:   apps.ControllerRevisions().Lister(),
		broadcaster: b,
		recorder:    events.Recorder(b, component),
		queue:       queue.New[string]("daemonset", c.Clock),
		expect:      expectations.New(),
		failed:      flowcontrol.NewBackOff(failedPodBackoff, maxFailedPodBackoff),
	}
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		return nil, err
	}
	if err := ctl.addHandlers(); err != nil {
		return nil, err
	}
	return ctl, nil
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	defer events.Start(c.broadcaster, c.client)()
	c.informers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.sets.HasSynced, c.pods.HasSynced, c.nodes.HasSynced, c.revisions.HasSynced) {
		return
	}
	queue.Run(ctx, c.queue, "daemonset", workers, c.sync)
}

func (c *Controller) addHandlers() error {
	keys := queue.KeyHandler(c.queue)
	if _, err := c.sets.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    keys.AddFunc,
		UpdateFunc: keys.UpdateFunc,
		DeleteFunc: func(obj interface{}) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				c.expect.Forget(key)
				c.queue.Add(key)
			}
		},
	}); err != nil {
		return err
	}
	if _, err := c.pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.onPodAdd, UpdateFunc: c.onPodUpdate, DeleteFunc: c.onPodDelete,
	}); err != nil {
		return err
	}
	if _, err := c.nodes.AddEventHandler(cache.ResourceEventHandlerFuncs{
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
	owner := func(obj interface{}) {
		if _, key, _ := controllerref.ControllerOf(obj, dsKind); key != "" {
			c.queue.Add(key)
		}
	}
	_, err := c.revisions.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: owner, UpdateFunc: func(_, cur interface{}) { owner(cur) }, DeleteFunc: owner,
	})
	return err
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

func ownerKey(p *corev1.Pod) string {
	_, key, _ := controllerref.ControllerOf(p, dsKind)
	return key
}

func (c *Controller) onPodAdd(obj interface{}) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if key := ownerKey(p); key != "" {
		c.expect.CreationObserved(key)
		c.queue.Add(key)
		return
	}
	c.enqueueMatching(p)
}

// onPodUpdate wakes the owners a change concerns; a pod starting to
// terminate counts as deleted for the expectations, as in Kubernetes.
func (c *Controller) onPodUpdate(old, cur interface{}) {
	o, ok1 := old.(*corev1.Pod)
	p, ok2 := cur.(*corev1.Pod)
	if !ok1 || !ok2 || o.ResourceVersion == p.ResourceVersion {
		return
	}
	key := ownerKey(p)
	if p.DeletionTimestamp != nil && o.DeletionTimestamp == nil && key != "" {
		c.expect.DeletionObserved(key, p.UID)
	}
	if oldKey := ownerKey(o); oldKey != "" && oldKey != key {
		c.queue.Add(oldKey)
	}
	if key != "" {
		c.queue.Add(key)
		return
	}
	c.enqueueMatching(p)
}

func (c *Controller) onPodDelete(obj interface{}) {
	if m, key, _ := controllerref.ControllerOf(obj, dsKind); key != "" {
		c.expect.DeletionObserved(key, m.GetUID())
		c.queue.Add(key)
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
