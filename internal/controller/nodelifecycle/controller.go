package nodelifecycle

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	coordinationlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
)

// DefaultGracePeriod is kube-controller-manager's --node-monitor-grace-period.
const DefaultGracePeriod = 50 * time.Second

// monitorPeriod is how often every node is looked at
// (--node-monitor-period).
const monitorPeriod = 5 * time.Second

// Config holds the controller's dependencies.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	// GracePeriod is how long a node may be quiet; DefaultGracePeriod when 0.
	GracePeriod time.Duration
	Clock       clock.WithTicker
}

// Controller watches nodes' heartbeats (see the package doc).
type Controller struct {
	base     *base.Base
	cfg      Config
	recorder record.EventRecorder
	nodes    corelisters.NodeLister
	leases   coordinationlisters.LeaseLister
	pods     cache.Indexer

	mu    sync.Mutex
	heard map[string]sighting // by node name

	// stale names nodes whose taints disagree with the Ready condition
	// they report (see taintsStale), for Run to sync before the next
	// monitor period.
	stale chan string
}

// sighting is the last heartbeat value seen and when this controller saw
// it change.
type sighting struct {
	value, at time.Time
}

const byNode = "spec.nodeName"

// New builds a Controller; Run starts it. It fails when its pod index
// cannot be added.
func New(c Config) (*Controller, error) {
	// The controller looks at every node on a ticker: its Queue stays
	// empty, under Kubernetes' name.
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: c.Clock}, "node_lifecycle_controller", "node-controller")
	if err != nil {
		return nil, err
	}
	c.Client, c.Informers, c.Clock = b.Client, b.Informers, b.Clock
	if c.GracePeriod == 0 {
		c.GracePeriod = DefaultGracePeriod
	}
	pods := c.Informers.Core().V1().Pods().Informer()
	if err := pods.AddIndexers(cache.Indexers{byNode: func(obj interface{}) ([]string, error) {
		if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
			return []string{p.Spec.NodeName}, nil
		}
		return nil, nil
	}}); err != nil {
		return nil, fmt.Errorf("node lifecycle: pod index: %w", err)
	}
	nodes, leases := c.Informers.Core().V1().Nodes(), c.Informers.Coordination().V1().Leases()
	b.WaitFor(pods.HasSynced, nodes.Informer().HasSynced, leases.Informer().HasSynced)
	ctl := &Controller{base: b, cfg: c, recorder: b.Recorder, nodes: nodes.Lister(), leases: leases.Lister(), pods: pods.GetIndexer(),
		heard: map[string]sighting{}, stale: make(chan string, 64)}
	if _, err := nodes.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctl.noticeNode,
		UpdateFunc: func(_, n interface{}) { ctl.noticeNode(n) },
	}); err != nil {
		return nil, fmt.Errorf("node lifecycle: node handler: %w", err)
	}
	return ctl, nil
}

// noticeNode hands a node whose taints are stale to Run. Kubernetes'
// node lifecycle controller retaints on node events (its NoSchedule
// tainting pass), not only each monitor period: a new node carries
// node.kubernetes.io/not-ready until its agent reports Ready, and pods
// created meanwhile waited up to 5 s more for the next period. A full
// queue is left to that period.
func (c *Controller) noticeNode(obj interface{}) {
	n, ok := obj.(*corev1.Node)
	if !ok || !taintsStale(n) {
		return
	}
	select {
	case c.stale <- n.Name:
	default:
	}
}

// Run looks at every node each monitor period until ctx is done.
func (c *Controller) Run(ctx context.Context) {
	stop, ok := c.base.Start(ctx)
	defer stop()
	if !ok {
		return
	}
	tick := c.cfg.Clock.NewTicker(monitorPeriod)
	defer tick.Stop()
	for {
		c.monitor(ctx)
		if !c.waitForTick(ctx, tick) {
			return
		}
	}
}

// waitForTick syncs the nodes noticed stale until the next tick; false
// when ctx is done.
func (c *Controller) waitForTick(ctx context.Context, tick clock.Ticker) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C():
			return true
		case name := <-c.stale:
			n, err := c.nodes.Get(name)
			if err != nil {
				continue
			}
			if err := c.syncNode(ctx, n); err != nil && ctx.Err() == nil {
				klog.FromContext(ctx).Error(err, "Syncing a node's lifecycle", "node", klog.KObj(n))
			}
		}
	}
}

// monitor syncs every node once.
func (c *Controller) monitor(ctx context.Context) {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return
	}
	live := map[string]bool{}
	for _, n := range nodes {
		live[n.Name] = true
		if err := c.syncNode(ctx, n); err != nil && ctx.Err() == nil {
			klog.FromContext(ctx).Error(err, "Syncing a node's lifecycle", "node", klog.KObj(n))
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for name := range c.heard {
		if !live[name] {
			delete(c.heard, name) // a deleted Node: a new one of that name starts afresh
		}
	}
}

// heardFrom is when this controller saw node n's heartbeat last change.
func (c *Controller) heardFrom(n *corev1.Node) time.Time {
	var renew *metav1.MicroTime
	if l, err := c.leases.Leases(corev1.NamespaceNodeLease).Get(n.Name); err == nil {
		renew = l.Spec.RenewTime
	}
	beat, now := heartbeat(n, renew), c.cfg.Clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.heard[n.Name]
	if !ok || !beat.Equal(s.value) {
		s = sighting{value: beat, at: now}
		c.heard[n.Name] = s
	}
	return s.at
}

func (c *Controller) syncNode(ctx context.Context, n *corev1.Node) error {
	now := c.cfg.Clock.Now()
	p := decide(n, c.heardFrom(n), now, c.cfg.GracePeriod)
	if p.conditions != nil {
		updated := n.DeepCopy()
		updated.Status.Conditions = p.conditions
		var err error
		if n, err = c.cfg.Client.CoreV1().Nodes().UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
			return ignoreConflict(err)
		}
		if p.becameUnknown {
			c.event(n, corev1.EventTypeNormal, "NodeNotReady", "Node "+n.Name+" status is now: NodeNotReady")
		}
	}
	if p.retaint {
		if err := c.setTaints(ctx, n, p.taints); err != nil {
			return err
		}
	}
	if p.podsNotReady {
		return c.markPodsNotReady(ctx, n.Name, now)
	}
	return nil
}

// setTaints replaces the node's managed taints with want.
func (c *Controller) setTaints(ctx context.Context, n *corev1.Node, want []corev1.Taint) error {
	updated := n.DeepCopy()
	updated.Spec.Taints = retainted(n.Spec.Taints, want, c.cfg.Clock.Now())
	if _, err := c.cfg.Client.CoreV1().Nodes().Update(ctx, updated, metav1.UpdateOptions{}); err != nil {
		return ignoreConflict(err)
	}
	klog.FromContext(ctx).Info("Set the node's condition taints", "node", klog.KObj(n), "taints", want)
	return nil
}

// markPodsNotReady turns Ready False on every pod of the node that has it
// True, with a NodeNotReady event each, as Kubernetes does.
func (c *Controller) markPodsNotReady(ctx context.Context, node string, now time.Time) error {
	objs, err := c.pods.ByIndex(byNode, node)
	if err != nil {
		return err
	}
	for _, o := range objs {
		pod := o.(*corev1.Pod)
		st := podNotReady(pod, now)
		if st == nil {
			continue
		}
		updated := pod.DeepCopy()
		updated.Status = *st
		if _, err := c.cfg.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
			if err = ignoreConflict(err); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
			continue
		}
		c.event(pod, corev1.EventTypeWarning, "NodeNotReady", "Node is not ready")
	}
	return nil
}

func (c *Controller) event(obj runtime.Object, kind, reason, msg string) {
	c.recorder.Event(obj, kind, reason, msg)
}

func ignoreConflict(err error) error {
	if apierrors.IsConflict(err) {
		return nil // the next round reads the new version
	}
	return err
}
