package replicaset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/controller/expectations"
)

// Config holds the controller's dependencies: the client, the informer
// factory (created when nil) and the clock (real when nil).
type Config = base.Config

// Controller keeps each ReplicaSet's pod count at spec.replicas.
type Controller struct {
	base     *base.Base
	client   kubernetes.Interface
	clock    clock.WithTicker
	w        workload
	pods     cache.SharedIndexInformer
	recorder record.EventRecorder
	queue    workqueue.TypedRateLimitingInterface[string]
	expect   *expectations.Expectations
}

// New builds a Controller of ReplicaSets; Run starts it. It fails when an
// index or an event handler cannot be added, rather than run a controller
// deaf to some of its events.
func New(c Config) (*Controller, error) {
	return newFor(c, replicaSetKind)
}

// NewForReplicationControllers builds the same controller for
// ReplicationControllers (Kubernetes' replication manager).
func NewForReplicationControllers(c Config) (*Controller, error) {
	return newFor(c, replicationControllerKind)
}

func newFor(c Config, k kindNames) (*Controller, error) {
	b, err := base.New(c, k.queue, k.component)
	if err != nil {
		return nil, err
	}
	ctl := &Controller{
		base:     b,
		client:   b.Client,
		clock:    b.Clock,
		w:        k.workload(b.Client, b.Informers),
		pods:     b.Informers.Core().V1().Pods().Informer(),
		recorder: b.Recorder,
		queue:    b.Queue,
		expect:   expectations.New(),
	}
	if err := controllerref.AddIndex(ctl.pods); err != nil {
		return nil, fmt.Errorf("%s: pod index: %w", k.queue, err)
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
	keys := c.base.KeyHandler()
	if err := c.base.Watch(c.w.informer, cache.ResourceEventHandlerFuncs{
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
	return c.base.Watch(c.pods, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.onPodAdd,
		UpdateFunc: c.onPodUpdate,
		DeleteFunc: c.onPodDelete,
	})
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
