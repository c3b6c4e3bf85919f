package scheduler

import (
	"context"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
)

// Config holds the scheduler's dependencies: the client, the informer
// factory (created when nil) and the clock (real when nil), which drives
// the workqueue, back-offs, condition and event times.
type Config = base.Config

// Controller binds pending pods to nodes.
type Controller struct {
	base       *base.Base
	client     kubernetes.Interface
	clock      clock.WithTicker
	pods       cache.SharedIndexInformer
	nodes      cache.SharedIndexInformer
	podLister  corelisters.PodLister
	nodeLister corelisters.NodeLister
	claimsInf  cache.SharedIndexInformer
	classesInf cache.SharedIndexInformer
	budgets    policylisters.PodDisruptionBudgetLister
	claims     claimLookup
	recorder   record.EventRecorder
	queue      workqueue.TypedRateLimitingInterface[string]
	state      *state
}

// New builds a Controller; Run starts it. It fails when an event handler
// cannot be added.
func New(c Config) (*Controller, error) {
	b, err := base.New(c, "scheduler", corev1.DefaultSchedulerName)
	if err != nil {
		return nil, err
	}
	core := b.Informers.Core().V1()
	ctl := &Controller{
		base:       b,
		client:     b.Client,
		clock:      b.Clock,
		pods:       core.Pods().Informer(),
		nodes:      core.Nodes().Informer(),
		podLister:  core.Pods().Lister(),
		nodeLister: core.Nodes().Lister(),
		recorder:   b.Recorder,
		state:      newState(),
		queue:      b.Queue,
	}
	claims, classes := core.PersistentVolumeClaims(), b.Informers.Storage().V1().StorageClasses()
	ctl.claimsInf, ctl.classesInf = claims.Informer(), classes.Informer()
	ctl.claims = claimLookup{
		claim: func(ns, name string) (*corev1.PersistentVolumeClaim, error) {
			return claims.Lister().PersistentVolumeClaims(ns).Get(name)
		},
		class:  classes.Lister().Get,
		volume: core.PersistentVolumes().Lister().Get,
	}
	pdbs := b.Informers.Policy().V1().PodDisruptionBudgets()
	ctl.budgets = pdbs.Lister()
	addNodeIndex(ctl.pods)
	// Classes, volumes (for their node affinity) and budgets (for
	// preemption) are read through their listers only.
	b.WaitFor(ctl.classesInf.HasSynced, core.PersistentVolumes().Informer().HasSynced, pdbs.Informer().HasSynced)
	if err := ctl.addHandlers(); err != nil {
		return nil, err
	}
	return ctl, nil
}

// Run works until ctx is done, then stops workers and event recording.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.base.Run(ctx, workers, c.sync)
}

func (c *Controller) addHandlers() error {
	if err := c.base.Watch(c.pods, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.onPod,
		UpdateFunc: c.onPodUpdate,
		DeleteFunc: c.onPodDelete,
	}); err != nil {
		return err
	}
	if err := c.base.Watch(c.nodes, cache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { c.moveWaiting(evNodeAdd) },
		UpdateFunc: c.onNodeUpdate,
	}); err != nil {
		return err
	}
	// A claim that binds (or appears) may unblock the pods waiting on it.
	return c.base.Watch(c.claimsInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { c.moveWaiting(evClaimChange) },
		UpdateFunc: func(interface{}, interface{}) { c.moveWaiting(evClaimChange) },
	})
}

// onPod queues pending pods (after their back-off, if they failed
// before); a bound one ends its assumption, since the cache now counts it,
// and may satisfy waiting pods' affinity.
func (c *Controller) onPod(obj interface{}) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	key := cache.MetaObjectToName(pod).String()
	if pod.Spec.NodeName != "" {
		c.state.forget(key)
		if occupiesNode(pod) {
			c.moveWaiting(evAssignedPodAdd)
		}
		return
	}
	if needsScheduling(pod) {
		c.queue.AddAfter(key, c.state.moveOne(key, c.clock.Now()))
	}
}

// onPodUpdate ignores updates that cannot change the decision, above all
// our own status write, which would otherwise move the pod out of the
// unschedulable set at once.
func (c *Controller) onPodUpdate(old, cur interface{}) {
	o, ok1 := old.(*corev1.Pod)
	n, ok2 := cur.(*corev1.Pod)
	if !ok1 || !ok2 {
		return
	}
	if occupiesNode(o) && !occupiesNode(n) {
		// It finished: what it held is free for the pods waiting.
		c.moveWaiting(evAssignedPodFree)
	}
	if occupiesNode(o) && occupiesNode(n) && !reflect.DeepEqual(o.Labels, n.Labels) {
		// Relabelled: it may now match a waiting pod's affinity (or no
		// longer match an anti-affinity).
		c.moveWaiting(evAssignedPodFree)
	}
	if podChanged(o, n) {
		c.onPod(cur)
	}
}

// onPodDelete forgets the pod; one that was bound frees its node, so the
// waiting pods look again, as Kubernetes' scheduler moves them on an
// assigned pod's deletion (a preemptor waiting for its victims above all).
func (c *Controller) onPodDelete(obj interface{}) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	c.state.forget(key)
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		if tomb, isTomb := obj.(cache.DeletedFinalStateUnknown); isTomb {
			pod, ok = tomb.Obj.(*corev1.Pod)
		}
	}
	if ok && occupiesNode(pod) {
		c.moveWaiting(evAssignedPodFree)
	}
}

// onNodeUpdate moves waiting pods when the node's fit may differ.
func (c *Controller) onNodeUpdate(old, cur interface{}) {
	o, ok1 := old.(*corev1.Node)
	n, ok2 := cur.(*corev1.Node)
	if ok1 && ok2 && nodeChanged(o, n) {
		c.moveWaiting(evNodeUpdate)
	}
}

// moveWaiting queues the unschedulable pods that ev may let fit, each
// once its back-off has passed, or at once when no pod is queued (a new
// node's readiness then places the pods made before it at once, not up
// to 10 s later). Pods never tried are in the queue already.
func (c *Controller) moveWaiting(ev clusterEvent) {
	moved := c.state.move(ev, c.clock.Now(), c.queue.Len() == 0)
	if len(moved) > 0 {
		klog.Background().V(4).Info("Moving unschedulable pods to the queue", "controller", corev1.DefaultSchedulerName, "event", ev, "pods", len(moved))
	}
	for key, after := range moved {
		c.queue.AddAfter(key, after)
	}
}
