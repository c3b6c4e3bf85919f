package replicaset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/controller/events"
	"github.com/ordo-dev/ordo/internal/controller/expectations"
	"github.com/ordo-dev/ordo/internal/controller/queue"
)

// Config holds the controller's dependencies.
type Config struct {
	// Client reads and writes ReplicaSets, pods and events.
	Client kubernetes.Interface
	// Informers is shared with other controllers when given; New creates
	// one when nil. Run starts it either way.
	Informers informers.SharedInformerFactory
	// Clock drives the workqueue and availability; the real clock when nil.
	Clock clock.WithTicker
}

// Controller keeps each ReplicaSet's pod count at spec.replicas.
type Controller struct {
	client      kubernetes.Interface
	clock       clock.WithTicker
	informers   informers.SharedInformerFactory
	w           workload
	pods        cache.SharedIndexInformer
	broadcaster record.EventBroadcaster
	recorder    record.EventRecorder
	queue       workqueue.TypedRateLimitingInterface[string]
	expect      *expectations.Expectations
}

// New builds a Controller of ReplicaSets; Run starts it.
func New(c Config) *Controller {
	return newFor(c, replicaSets)
}

// NewForReplicationControllers builds the same controller for
// ReplicationControllers (Kubernetes' replication manager).
func NewForReplicationControllers(c Config) *Controller {
	return newFor(c, replicationControllers)
}

func newFor(c Config, kind func(kubernetes.Interface, informers.SharedInformerFactory) workload) *Controller {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Informers == nil {
		c.Informers = informers.NewSharedInformerFactory(c.Client, 0)
	}
	b := events.NewBroadcaster(c.Clock)
	w := kind(c.Client, c.Informers)
	ctl := &Controller{
		client:      c.Client,
		clock:       c.Clock,
		informers:   c.Informers,
		w:           w,
		pods:        c.Informers.Core().V1().Pods().Informer(),
		broadcaster: b,
		recorder:    events.Recorder(b, w.component),
		queue:       queue.New[string](w.name, c.Clock),
		expect:      expectations.New(),
	}
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		klog.Errorf("%s: pod index: %v", w.name, err)
	}
	ctl.addHandlers()
	return ctl
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	defer events.Start(c.broadcaster, c.client)()
	c.informers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.w.informer.HasSynced, c.pods.HasSynced) {
		return
	}
	queue.Run(ctx, c.queue, c.w.name, workers, c.sync)
}

func (c *Controller) addHandlers() {
	keys := queue.KeyHandler(c.queue)
	if _, err := c.w.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    keys.AddFunc,
		UpdateFunc: keys.UpdateFunc,
		DeleteFunc: func(obj interface{}) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				c.expect.Forget(key)
				c.queue.Add(key)
			}
		},
	}); err != nil {
		klog.Errorf("%s: event handler: %v", c.w.name, err)
	}
	if _, err := c.pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.onPodAdd,
		UpdateFunc: c.onPodUpdate,
		DeleteFunc: c.onPodDelete,
	}); err != nil {
		klog.Errorf("%s: pod event handler: %v", c.w.name, err)
	}
}

// ownerKey is the key of the workload controlling p, or "".
func (c *Controller) ownerKey(p *corev1.Pod) string {
	_, key, _ := controllerref.ControllerOf(p, c.w.kind)
	return key
}

func (c *Controller) onPodAdd(obj interface{}) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if key := c.ownerKey(p); key != "" {
		c.expect.CreationObserved(key)
		c.queue.Add(key)
		return
	}
	c.enqueueMatching(p)
}

// onPodUpdate wakes the owners a change concerns: old and new controller,
// and for an orphan every ReplicaSet that may adopt it. A pod starting to
// terminate counts as deleted for the expectations, as in Kubernetes.
func (c *Controller) onPodUpdate(old, cur interface{}) {
	o, ok1 := old.(*corev1.Pod)
	p, ok2 := cur.(*corev1.Pod)
	if !ok1 || !ok2 || o.ResourceVersion == p.ResourceVersion {
		return
	}
	key := c.ownerKey(p)
	if p.DeletionTimestamp != nil && o.DeletionTimestamp == nil && key != "" {
		c.expect.DeletionObserved(key, p.UID)
	}
	if oldKey := c.ownerKey(o); oldKey != "" && oldKey != key {
		c.queue.Add(oldKey)
	}
	if key != "" {
		c.queue.Add(key)
		return
	}
	c.enqueueMatching(p)
}

func (c *Controller) onPodDelete(obj interface{}) {
	if m, key, _ := controllerref.ControllerOf(obj, c.w.kind); key != "" {
		c.expect.DeletionObserved(key, m.GetUID())
		c.queue.Add(key)
	}
}

// enqueueMatching queues the ReplicaSets whose selector matches an orphan.
func (c *Controller) enqueueMatching(p *corev1.Pod) {
	sets, err := c.w.list(p.Namespace)
	if err != nil {
		return
	}
	for _, rs := range sets {
		if sel, err := selectorOf(rs); err == nil && !sel.Empty() && sel.Matches(labels.Set(p.Labels)) {
			c.queue.Add(p.Namespace + "/" + rs.Name)
		}
	}
}

func selectorOf(rs *appsv1.ReplicaSet) (labels.Selector, error) {
	return metav1.LabelSelectorAsSelector(rs.Spec.Selector)
}
