package scheduler

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/events"
	"github.com/ordo-dev/ordo/internal/controller/queue"
)

// Config holds the scheduler's dependencies.
type Config struct {
	// Client reads pods and nodes, binds pods, writes their status and
	// records events.
	Client kubernetes.Interface
	// Informers is shared with other controllers when given; New creates
	// one when nil. Run starts it either way (starting twice is harmless).
	Informers informers.SharedInformerFactory
	// Clock drives the workqueue, back-offs, condition and event times;
	// defaults to the real clock.
	Clock clock.WithTicker
}

// Controller binds pending pods to nodes.
type Controller struct {
	client      kubernetes.Interface
	clock       clock.WithTicker
	informers   informers.SharedInformerFactory
	pods        cache.SharedIndexInformer
	nodes       cache.SharedIndexInformer
	podLister   corelisters.PodLister
	nodeLister  corelisters.NodeLister
	claimsInf   cache.SharedIndexInformer
	classesInf  cache.SharedIndexInformer
	claims      claimLookup
	broadcaster record.EventBroadcaster
	recorder    record.EventRecorder
	queue       workqueue.TypedRateLimitingInterface[string]
	state       *state
}

// New builds a Controller; Run starts it.
func New(c Config) *Controller {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Informers == nil {
		c.Informers = informers.NewSharedInformerFactory(c.Client, 0)
	}
	broadcaster := events.NewBroadcaster(c.Clock)
	ctl := &Controller{
		client:      c.Client,
		clock:       c.Clock,
		informers:   c.Informers,
		pods:        c.Informers.Core().V1().Pods().Informer(),
		nodes:       c.Informers.Core().V1().Nodes().Informer(),
		podLister:   c.Informers.Core().V1().Pods().Lister(),
		nodeLister:  c.Informers.Core().V1().Nodes().Lister(),
		broadcaster: broadcaster,
		recorder:    events.Recorder(broadcaster, corev1.DefaultSchedulerName),
		state:       newState(),
		queue:       queue.New[string]("scheduler", c.Clock),
	}
	claims, classes := c.Informers.Core().V1().PersistentVolumeClaims(), c.Informers.Storage().V1().StorageClasses()
	ctl.claimsInf, ctl.classesInf = claims.Informer(), classes.Informer()
	ctl.claims = claimLookup{
		claim: func(ns, name string) (*corev1.PersistentVolumeClaim, error) {
			return claims.Lister().PersistentVolumeClaims(ns).Get(name)
		},
		class: classes.Lister().Get,
	}
	addNodeIndex(ctl.pods)
	ctl.addHandlers()
	return ctl
}

// Run works until ctx is done, then stops workers and event recording.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	defer events.Start(c.broadcaster, c.client)()
	c.informers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.pods.HasSynced, c.nodes.HasSynced, c.claimsInf.HasSynced, c.classesInf.HasSynced) {
		return
	}
	queue.Run(ctx, c.queue, "scheduler", workers, c.sync)
}

func (c *Controller) addHandlers() {
	if _, err := c.pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.onPod,
		UpdateFunc: c.onPodUpdate,
		DeleteFunc: c.onPodDelete,
	}); err != nil {
		klog.Errorf("scheduler: pod event handler: %v", err)
	}
	if _, err := c.nodes.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { c.requeuePending() },
		UpdateFunc: c.onNodeUpdate,
	}); err != nil {
		klog.Errorf("scheduler: node event handler: %v", err)
	}
	// A claim that binds (or appears) may unblock the pods waiting on it.
	if _, err := c.claimsInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { c.requeuePending() },
		UpdateFunc: func(interface{}, interface{}) { c.requeuePending() },
	}); err != nil {
		klog.Errorf("scheduler: claim event handler: %v", err)
	}
}

// onPod queues pending pods; a bound one ends its assumption, since the
// cache now counts it.
func (c *Controller) onPod(obj interface{}) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	key := cache.MetaObjectToName(pod).String()
	if pod.Spec.NodeName != "" {
		c.state.forget(key)
		return
	}
	if needsScheduling(pod) {
		c.queue.Add(key)
	}
}

// onPodUpdate ignores updates that cannot change the decision, above all
// our own status write, which would otherwise cut the back-off short.
func (c *Controller) onPodUpdate(old, cur interface{}) {
	o, ok1 := old.(*corev1.Pod)
	n, ok2 := cur.(*corev1.Pod)
	if ok1 && ok2 && !podChanged(o, n) {
		return
	}
	c.onPod(cur)
}

func (c *Controller) onPodDelete(obj interface{}) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	c.state.forget(key)
}

// onNodeUpdate requeues pending pods when the node's fit may differ.
func (c *Controller) onNodeUpdate(old, cur interface{}) {
	o, ok1 := old.(*corev1.Node)
	n, ok2 := cur.(*corev1.Node)
	if ok1 && ok2 && nodeChanged(o, n) {
		c.requeuePending()
	}
}

// requeuePending looks at every pending pod again at once: a node that
// appeared or changed may fit pods that were waiting out a back-off.
func (c *Controller) requeuePending() {
	pods, err := c.podLister.List(everything)
	if err != nil {
		klog.Errorf("scheduler: list pods: %v", err)
		return
	}
	for _, p := range pods {
		if needsScheduling(p) {
			c.queue.Add(cache.MetaObjectToName(p).String())
		}
	}
}
