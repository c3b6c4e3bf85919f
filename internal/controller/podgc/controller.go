package podgc

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
)

// Kubernetes' PodGC timings: its gcCheckPeriod and quarantineTime.
const (
	DefaultPeriod     = 20 * time.Second
	DefaultQuarantine = 40 * time.Second
)

// Config holds the controller's dependencies.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	Clock     clock.WithTicker
	// Period is how often pods are collected; DefaultPeriod when 0.
	Period time.Duration
	// Quarantine is how long a Node must be missing before its pods are
	// orphans; DefaultQuarantine when 0.
	Quarantine time.Duration
}

// Controller force-deletes the pods of lost nodes (see the package doc).
type Controller struct {
	b     *base.Base
	cfg   Config
	pods  corelisters.PodLister
	nodes corelisters.NodeLister

	mu sync.Mutex
	// missingSince is when each node pods are bound to was first seen
	// missing from the cache.
	missingSince map[string]time.Time
}

// New builds a Controller; Run starts it.
func New(c Config) (*Controller, error) {
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: c.Clock}, "pod_garbage_collector", "pod-garbage-collector")
	if err != nil {
		return nil, err
	}
	if c.Period == 0 {
		c.Period = DefaultPeriod
	}
	if c.Quarantine == 0 {
		c.Quarantine = DefaultQuarantine
	}
	pods, nodes := b.Informers.Core().V1().Pods(), b.Informers.Core().V1().Nodes()
	b.WaitFor(pods.Informer().HasSynced, nodes.Informer().HasSynced)
	return &Controller{b: b, cfg: c, pods: pods.Lister(), nodes: nodes.Lister(), missingSince: map[string]time.Time{}}, nil
}

// Run collects every period until ctx is done.
func (c *Controller) Run(ctx context.Context) {
	stop, ok := c.b.Start(ctx)
	defer stop()
	if !ok {
		return
	}
	tick := c.b.Clock.NewTicker(c.cfg.Period)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C():
		}
		if err := c.collect(ctx); err != nil && ctx.Err() == nil {
			klog.FromContext(ctx).Error(err, "Collecting pods of lost nodes")
		}
	}
}

// collect is one round: it force-deletes every pod plan names.
func (c *Controller) collect(ctx context.Context) error {
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return err
	}
	list, err := c.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	nodes := make(map[string]*corev1.Node, len(list))
	for _, n := range list {
		nodes[n.Name] = n
	}
	gone := c.confirmGone(ctx, c.dueNodes(missingNodes(pods, nodes)))
	for _, d := range plan(pods, nodes, gone) {
		if err := c.forceDelete(ctx, d); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return err
		}
	}
	return nil
}

// dueNodes are the missing nodes past their quarantine.
func (c *Controller) dueNodes(missing map[string]bool) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return quarantined(c.missingSince, missing, c.b.Clock.Now(), c.cfg.Quarantine)
}

// confirmGone reads each node from the API: the cache may be behind.
func (c *Controller) confirmGone(ctx context.Context, names []string) map[string]bool {
	gone := map[string]bool{}
	for _, n := range names {
		_, err := c.b.Client.CoreV1().Nodes().Get(ctx, n, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			gone[n] = true
		} else if err != nil {
			klog.FromContext(ctx).Error(err, "Checking whether a node still exists", "node", n)
		}
	}
	return gone
}

// forceDelete marks the pod Failed (see failedStatus) and deletes it with
// a grace period of 0, as Kubernetes' markFailedAndDeletePod.
func (c *Controller) forceDelete(ctx context.Context, d deletion) error {
	pod := d.pod
	klog.FromContext(ctx).Info("PodGC is force deleting Pod", "pod", klog.KObj(pod), "node", pod.Spec.NodeName, "reason", d.why.String())
	if st := failedStatus(d, c.b.Clock.Now()); st != nil {
		updated := pod.DeepCopy()
		updated.Status = *st
		if _, err := c.b.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	uid := pod.UID
	return c.b.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name,
		metav1.DeleteOptions{GracePeriodSeconds: new(int64), Preconditions: &metav1.Preconditions{UID: &uid}})
}
