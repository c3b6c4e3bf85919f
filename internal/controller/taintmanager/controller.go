package taintmanager

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
)

// Kubernetes' words for an eviction.
const (
	reasonEviction   = "TaintManagerEviction"
	reasonCondition  = "DeletionByTaintManager"
	conditionMessage = "Taint manager: deleting due to NoExecute taint"
)

// Config holds the controller's dependencies.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	Clock     clock.WithTicker
}

// Controller evicts pods from NoExecute-tainted nodes (see the package doc).
type Controller struct {
	b     *base.Base
	nodes corelisters.NodeLister
	pods  corelisters.PodLister

	mu sync.Mutex
	// since is when each pod (by UID) was first seen under NoExecute taints.
	since map[types.UID]time.Time
}

// New builds a Controller; Run starts it.
func New(c Config) (*Controller, error) {
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: c.Clock}, "noexec_taint_pod", "taint-eviction-controller")
	if err != nil {
		return nil, err
	}
	nodes, pods := b.Informers.Core().V1().Nodes(), b.Informers.Core().V1().Pods()
	ctl := &Controller{b: b, nodes: nodes.Lister(), pods: pods.Lister(), since: map[types.UID]time.Time{}}
	if err := b.Watch(pods.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    ctl.onPod,
		UpdateFunc: func(_, cur interface{}) { ctl.onPod(cur) },
		DeleteFunc: ctl.forget,
	}); err != nil {
		return nil, err
	}
	if err := b.Watch(nodes.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: ctl.onNode,
		UpdateFunc: func(old, cur interface{}) {
			o, ok1 := old.(*corev1.Node)
			n, ok2 := cur.(*corev1.Node)
			if ok1 && ok2 && !equality.Semantic.DeepEqual(noExecute(o.Spec.Taints), noExecute(n.Spec.Taints)) {
				ctl.onNode(cur)
			}
		},
	}); err != nil {
		return nil, err
	}
	return ctl, nil
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.b.Run(ctx, workers, c.sync)
}

func (c *Controller) onPod(obj interface{}) {
	if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" && p.DeletionTimestamp == nil {
		c.b.Queue.Add(cache.MetaObjectToName(p).String())
	}
}

func (c *Controller) forget(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if p, ok := obj.(*corev1.Pod); ok {
		c.mu.Lock()
		delete(c.since, p.UID)
		c.mu.Unlock()
	}
}

// onNode queues the node's pods: its NoExecute taints changed.
func (c *Controller) onNode(obj interface{}) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return
	}
	for _, p := range pods {
		if p.Spec.NodeName == n.Name {
			c.onPod(p)
		}
	}
}

// sinceFor is when pod was first seen under taints; tainted false clears it
// and reports whether a timer was running (an eviction cancelled).
func (c *Controller) sinceFor(pod *corev1.Pod, tainted bool) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, running := c.since[pod.UID]
	if !tainted {
		delete(c.since, pod.UID)
		return time.Time{}, running
	}
	if !running {
		at = c.b.Clock.Now()
		c.since[pod.UID] = at
	}
	return at, running
}

func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) || err == nil && (pod.Spec.NodeName == "" || pod.DeletionTimestamp != nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var taints []corev1.Taint
	if node, err := c.nodes.Get(pod.Spec.NodeName); err == nil {
		taints = node.Spec.Taints
	}
	tainted := len(noExecute(taints)) > 0
	since, wasRunning := c.sinceFor(pod, tainted)
	if !tainted {
		if wasRunning {
			c.b.Recorder.Eventf(pod, corev1.EventTypeNormal, reasonEviction, "Cancelling deletion of Pod %s", key)
		}
		return nil, nil
	}
	d := decide(taints, pod.Spec.Tolerations, since, c.b.Clock.Now())
	if !d.evict {
		return d.after, nil
	}
	return nil, c.evict(ctx, pod)
}

// evict marks the pod DisruptionTarget and deletes it, as Kubernetes'
// addConditionAndDeletePod.
func (c *Controller) evict(ctx context.Context, pod *corev1.Pod) error {
	logger := klog.FromContext(ctx)
	key := cache.MetaObjectToName(pod).String()
	c.b.Recorder.Eventf(pod, corev1.EventTypeNormal, reasonEviction, "Marking for deletion Pod %s", key)
	updated := pod.DeepCopy()
	setDisruptionTarget(&updated.Status, c.b.Clock.Now())
	if _, err := c.b.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	uid := pod.UID
	err := c.b.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return err
	}
	logger.Info("Deleted pod for a NoExecute taint", "pod", klog.KObj(pod), "node", pod.Spec.NodeName)
	return nil
}

func setDisruptionTarget(st *corev1.PodStatus, now time.Time) {
	cond := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
		Reason: reasonCondition, Message: conditionMessage, LastTransitionTime: metav1.NewTime(now)}
	for i := range st.Conditions {
		if st.Conditions[i].Type == corev1.DisruptionTarget {
			st.Conditions[i] = cond
			return
		}
	}
	st.Conditions = append(st.Conditions, cond)
}
