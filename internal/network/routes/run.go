package routes

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// resync re-applies the plan this often even without a Node event, so a
// route deleted by hand comes back.
const resync = 30 * time.Second

// Config is one node's routing.
type Config struct {
	Client kubernetes.Interface
	// NodeName, NodeIP and PodCIDR are this node's.
	NodeName string
	NodeIP   string
	PodCIDR  string
	// StateDir holds the state file of the ranges routed.
	StateDir string
	// Device is the vxlan device's name (DefaultDevice when empty).
	Device string
	// RemoveOnStop deletes the routes and the device when Run returns
	// (the agent's --stop-pods-on-exit).
	RemoveOnStop bool
}

// Routes keeps the namespace's routes to the other nodes' pod ranges.
type Routes struct {
	cfg     Config
	applier *Applier
	local   Local
	h       *netlink.Handle
}

// New opens a netlink handle in the calling process's namespace.
func New(c Config) (*Routes, error) {
	ip, err := netip.ParseAddr(c.NodeIP)
	if err != nil {
		return nil, fmt.Errorf("node IP %q: %w", c.NodeIP, err)
	}
	cidr, err := netip.ParsePrefix(c.PodCIDR)
	if err != nil {
		return nil, fmt.Errorf("pod CIDR %q: %w", c.PodCIDR, err)
	}
	if c.Device == "" {
		c.Device = DefaultDevice
	}
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink: %w", err)
	}
	a := &Applier{h: h, stateFile: filepath.Join(c.StateDir, "routes"), device: c.Device, nodeIP: ip, podCIDR: cidr.Masked(),
		forwarding: "/proc/sys/net/ipv4/ip_forward"}
	return &Routes{cfg: c, applier: a, h: h, local: Local{Node: c.NodeName, PodCIDR: cidr.Masked()}}, nil
}

// Run applies the plan at every Node change and every resync until ctx
// ends.
func (r *Routes) Run(ctx context.Context) {
	logger := klog.FromContext(ctx).WithName("routes")
	defer r.h.Close()
	f := informers.NewSharedInformerFactory(r.cfg.Client, 0)
	inf := f.Core().V1().Nodes()
	kick := make(chan struct{}, 1)
	poke := func(interface{}) {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: poke, UpdateFunc: func(_, o interface{}) { poke(o) }, DeleteFunc: poke,
	}); err != nil {
		logger.Error(err, "No routes to other nodes: cannot watch Nodes")
		return
	}
	f.Start(ctx.Done())
	defer f.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), inf.Informer().HasSynced) {
		return
	}
	tick := time.NewTicker(resync)
	defer tick.Stop()
	var last []Route
	for {
		last = r.sync(ctx, inf.Lister(), last)
		select {
		case <-ctx.Done():
			if r.cfg.RemoveOnStop {
				if err := r.applier.Remove(); err != nil {
					logger.Error(err, "Removing the routes to other nodes")
				}
			}
			return
		case <-kick:
		case <-tick.C:
		}
	}
}

// sync applies the plan for the Nodes cached now and logs what changed.
func (r *Routes) sync(ctx context.Context, nodes corelisters.NodeLister, last []Route) []Route {
	logger := klog.FromContext(ctx).WithName("routes")
	all, err := nodes.List(labels.Everything())
	if err != nil {
		return last
	}
	l := r.local
	if l.Addrs, err = localAddrs(r.h); err != nil {
		logger.Error(err, "Listing this machine's addresses")
		return last
	}
	plan := Plan(l, all)
	if err := r.applier.Apply(plan); err != nil {
		logger.Error(err, "Applying routes to other nodes' pod ranges")
	}
	if !equal(plan, last) {
		for _, rt := range plan {
			logger.Info("Route to a node's pod range", "node", rt.Node, "podCIDR", rt.Dst, "via", rt.Gateway(), "vxlan", rt.VXLAN)
		}
		logger.Info("Routes to other nodes applied", "routes", len(plan))
	}
	return plan
}

func equal(a, b []Route) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
