package nodeipam

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
)

// Defaults of kube-controller-manager's flags as k3s sets them.
const (
	DefaultClusterCIDR  = "10.42.0.0/16"
	DefaultNodeMaskSize = 24
)

// Config holds the controller's dependencies and ranges.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	Clock     clock.WithTicker
	// ClusterCIDR is the range node blocks come from (--cluster-cidr).
	ClusterCIDR string
	// NodeMaskSize is each node's block size (--node-cidr-mask-size).
	NodeMaskSize int
}

// Controller allocates Nodes' pod ranges (see the package doc).
type Controller struct {
	base  *base.Base
	nodes corelisters.NodeLister

	mu      sync.Mutex
	set     *cidrSet
	held    map[string]holding // by Node name: the block this controller knows it holds
	primed  bool
	primeMu sync.Mutex
}

// holding is a Node's block, with the Node's UID: a Node deleted and made
// again under its name is another Node.
type holding struct {
	uid  types.UID
	cidr string
}

// New builds a Controller; Run starts it. It fails on an invalid range.
func New(c Config) (*Controller, error) {
	if c.ClusterCIDR == "" {
		c.ClusterCIDR = DefaultClusterCIDR
	}
	if c.NodeMaskSize == 0 {
		c.NodeMaskSize = DefaultNodeMaskSize
	}
	set, err := newCIDRSet(c.ClusterCIDR, c.NodeMaskSize)
	if err != nil {
		return nil, err
	}
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: c.Clock}, "node_ipam_controller", "cidrAllocator")
	if err != nil {
		return nil, err
	}
	nodes := b.Informers.Core().V1().Nodes()
	if err := b.WatchKeys(nodes.Informer()); err != nil {
		return nil, err
	}
	return &Controller{base: b, nodes: nodes.Lister(), set: set, held: map[string]holding{}}, nil
}

// Run allocates until ctx is done. One worker: the set of blocks is one
// piece of state, and allocations are milliseconds each.
func (c *Controller) Run(ctx context.Context, _ int) {
	c.base.Run(ctx, 1, c.sync)
}

// prime marks the blocks every cached Node holds, once, before the first
// decision (the caches have synced by then).
func (c *Controller) prime(ctx context.Context) {
	c.primeMu.Lock()
	defer c.primeMu.Unlock()
	if c.primed {
		return
	}
	nodes, _ := c.nodes.List(labels.Everything())
	for _, n := range nodes {
		c.occupy(ctx, n)
	}
	c.primed = true
}

// occupy records n's block as used.
func (c *Controller) occupy(ctx context.Context, n *corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.held[n.Name]; ok && (h.uid != n.UID || h.cidr != n.Spec.PodCIDR) {
		c.set.release(h.cidr)
	}
	c.held[n.Name] = holding{uid: n.UID, cidr: n.Spec.PodCIDR}
	if !c.set.occupy(n.Spec.PodCIDR) {
		klog.FromContext(ctx).V(2).Info("Node's pod CIDR is not a block of the cluster CIDR; left alone",
			"node", klog.KObj(n), "podCIDR", n.Spec.PodCIDR, "clusterCIDR", c.set.cluster)
	}
}

// forget frees the block of the Node name held, if any.
func (c *Controller) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.held[name]; ok {
		c.set.release(h.cidr)
		delete(c.held, name)
	}
}

func (c *Controller) sync(ctx context.Context, name string) (*time.Duration, error) {
	c.prime(ctx)
	n, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(name)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if n.Spec.PodCIDR != "" {
		c.occupy(ctx, n)
		return nil, nil
	}
	c.mu.Lock()
	h, ok := c.held[name]
	c.mu.Unlock()
	if ok && h.uid == n.UID && h.cidr != "" {
		return nil, nil // allocated here; the cache has not seen the update yet
	}
	c.forget(name) // an earlier Node of that name
	return nil, c.allocate(ctx, n)
}

// allocate gives n the next free block through an Update carrying the
// cached resourceVersion, so a Node changed meanwhile is a conflict (the
// block goes back, the key is retried) rather than a lost write.
func (c *Controller) allocate(ctx context.Context, n *corev1.Node) error {
	c.mu.Lock()
	block, err := c.set.allocate()
	c.mu.Unlock()
	if err != nil {
		c.base.Recorder.Eventf(n, corev1.EventTypeNormal, "CIDRNotAvailable", "Node %s status is now: CIDRNotAvailable", n.Name)
		return fmt.Errorf("failed to allocate cidr from cluster cidr %s: %w", c.set.cluster, err)
	}
	cidr := block.String()
	updated := n.DeepCopy()
	updated.Spec.PodCIDR, updated.Spec.PodCIDRs = cidr, []string{cidr}
	saved, err := c.base.Client.CoreV1().Nodes().Update(ctx, updated, metav1.UpdateOptions{})
	if err != nil {
		c.mu.Lock()
		c.set.undo(block)
		c.mu.Unlock()
		return fmt.Errorf("set node %s's podCIDR %s: %w", n.Name, cidr, err)
	}
	c.occupy(ctx, saved)
	klog.FromContext(ctx).Info("Allocated the node's pod CIDR", "node", klog.KObj(saved), "podCIDR", cidr)
	return nil
}

// CheckRanges refuses a cluster CIDR and mask size New would refuse,
// naming the flag, before a server starts anything.
func CheckRanges(c Config) error {
	_, err := newCIDRSet(c.ClusterCIDR, c.NodeMaskSize)
	return err
}
