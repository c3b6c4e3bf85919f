package statefulset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
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
const component = "statefulset-controller"

// Config holds the controller's dependencies.
type Config struct {
	// Client reads and writes StatefulSets, pods, claims, revisions, events.
	Client kubernetes.Interface
	// Informers is shared with other controllers when given.
	Informers informers.SharedInformerFactory
	// Clock drives the workqueue and availability; the real clock when nil.
	Clock clock.WithTicker
}

// Controller runs StatefulSets' pods.
type Controller struct {
	client      kubernetes.Interface
	clock       clock.WithTicker
	informers   informers.SharedInformerFactory
	sets        cache.SharedIndexInformer
	pods        cache.SharedIndexInformer
	revisions   cache.SharedIndexInformer
	claims      cache.SharedIndexInformer
	setLister   appslisters.StatefulSetLister
	revLister   appslisters.ControllerRevisionLister
	claimLister corelisters.PersistentVolumeClaimLister
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
	apps, core := c.Informers.Apps().V1(), c.Informers.Core().V1()
	ctl := &Controller{
		client: c.Client, clock: c.Clock, informers: c.Informers,
		sets: apps.StatefulSets().Informer(), pods: core.Pods().Informer(),
		revisions: apps.ControllerRevisions().Informer(), claims: core.PersistentVolumeClaims().Informer(),
		setLister: apps.StatefulSets().Lister(), revLister: apps.ControllerRevisions().Lister(),
		claimLister: core.PersistentVolumeClaims().Lister(),
		broadcaster: b, recorder: events.Recorder(b, component),
		queue: queue.New[string]("statefulset", c.Clock),
	}
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		klog.Errorf("statefulset: pod index: %v", err)
	}
	ctl.addHandlers()
	return ctl
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	defer events.Start(c.broadcaster, c.client)()
	c.informers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.sets.HasSynced, c.pods.HasSynced, c.revisions.HasSynced, c.claims.HasSynced) {
		return
	}
	queue.Run(ctx, c.queue, "statefulset", workers, c.sync)
}

func (c *Controller) addHandlers() {
	if _, err := c.sets.AddEventHandler(queue.KeyHandler(c.queue)); err != nil {
		klog.Errorf("statefulset: event handler: %v", err)
	}
	podEvent := func(obj interface{}) {
		m, key, orphan := controllerref.ControllerOf(obj, setKind)
		if key != "" {
			c.queue.Add(key)
		} else if p, ok := m.(*corev1.Pod); ok && orphan {
			c.enqueueMatching(p)
		}
	}
	if _, err := c.pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: podEvent, DeleteFunc: podEvent,
		UpdateFunc: func(old, cur interface{}) {
			podEvent(old)
			podEvent(cur)
		},
	}); err != nil {
		klog.Errorf("statefulset: pod event handler: %v", err)
	}
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
