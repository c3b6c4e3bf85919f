// Package servicerepair keeps the Service IP and node port allocations in
// line with the Services that exist, as kube-apiserver's repair loops do.
// Allocations live in etcd, one key per value; a failed release on delete,
// a crash between two writes, or an etcd restored from a backup can leave a
// value allocated that no Service uses (a leak, which would fill the range
// in time) or a Service whose value is not allocated (which could then be
// handed out twice). Each pass, at start and then every Interval:
//
//	allocations ──┐
//	              ├─ plan (alloc.Repairer) ─ allocate missing, release leaks
//	Services ─────┘                         (after alloc.LeakPasses passes),
//	                                        events for what cannot be fixed
package servicerepair

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/events"
	"github.com/ordo-dev/ordo/internal/storage/alloc"
)

// DefaultInterval is Kubernetes' repair interval.
const DefaultInterval = 3 * time.Minute

// Config holds the controller's dependencies.
type Config struct {
	// Client lists Services and records events.
	Client kubernetes.Interface
	// ServiceIPs and NodePorts are the allocators to repair.
	ServiceIPs, NodePorts *alloc.Allocator
	// Interval between passes; DefaultInterval when zero.
	Interval time.Duration
	// Clock drives the passes; the real clock when nil.
	Clock clock.WithTicker
}

// Controller runs the repair passes.
type Controller struct {
	client   kubernetes.Interface
	interval time.Duration
	clock    clock.WithTicker
	kinds    []*kind
}

// kind is one allocator with how Services use it and how to speak of it.
type kind struct {
	name     string // "cluster IP", "node port"
	repairer *alloc.Repairer
	inUse    func([]corev1.Service) (map[string]string, []alloc.Conflict)
	reasons  reasons
}

// reasons are the event reasons and messages Kubernetes' repair loops use.
type reasons struct {
	notAllocated, alreadyAllocated, outOfRange string
	describe                                   func(value string) string
}

// New builds a Controller; Run starts it.
func New(c Config) *Controller {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	return &Controller{client: c.Client, interval: c.Interval, clock: c.Clock, kinds: []*kind{
		{name: "cluster IP", repairer: alloc.NewRepairer(c.ServiceIPs), inUse: ClusterIPsInUse, reasons: reasons{
			notAllocated: "ClusterIPNotAllocated", alreadyAllocated: "ClusterIPAlreadyAllocated", outOfRange: "ClusterIPOutOfRange",
			describe: func(v string) string { return "Cluster IP [IPv4]:" + v }}},
		{name: "node port", repairer: alloc.NewRepairer(c.NodePorts), inUse: NodePortsInUse, reasons: reasons{
			notAllocated: "PortNotAllocated", alreadyAllocated: "PortAlreadyAllocated", outOfRange: "PortOutOfRange",
			describe: func(v string) string { return "Port " + v }}},
	}}
}

// Run repairs at once and then every interval until ctx is done.
func (c *Controller) Run(ctx context.Context) {
	b := events.NewBroadcaster(c.clock)
	defer events.Start(b, c.client)()
	recorder := events.Recorder(b, "repair-controller")
	ticker := c.clock.NewTicker(c.interval)
	defer ticker.Stop()
	for {
		c.Pass(ctx, recorder)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
		}
	}
}

// Pass runs one repair of every allocator.
func (c *Controller) Pass(ctx context.Context, recorder record.EventRecorder) {
	logger := klog.FromContext(ctx)
	for _, k := range c.kinds {
		var u usage
		list := func(ctx context.Context) (map[string]string, error) {
			l, err := c.client.CoreV1().Services("").List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, err
			}
			u.services = byOwner(l.Items)
			u.inUse, u.dups = k.inUse(l.Items)
			return u.inUse, nil
		}
		rep, err := k.repairer.Repair(ctx, list)
		if err != nil {
			logger.Error(err, "Repair of Service allocations incomplete", "allocator", k.name)
		}
		rep.Conflicts = append(rep.Conflicts, u.dups...)
		report(ctx, k, rep, u, recorder)
	}
}

// usage is what one pass's list of Services showed.
type usage struct {
	services map[string]*corev1.Service // by Owner
	inUse    map[string]string          // value → Owner
	dups     []alloc.Conflict
}

// report logs what a pass did and records Kubernetes' events on the
// Services concerned.
func report(ctx context.Context, k *kind, rep alloc.Report, u usage, recorder record.EventRecorder) {
	logger := klog.FromContext(ctx)
	for _, v := range rep.Released {
		logger.Info("Released leaked allocation: no Service uses it", "allocator", k.name, "value", v)
	}
	event := func(owner, reason, msg string) {
		logger.Info("Service allocation repair", "service", owner, "reason", reason, "message", msg)
		if svc := u.services[owner]; svc != nil {
			recorder.Event(svc, corev1.EventTypeWarning, reason, msg)
		}
	}
	for _, v := range rep.Allocated {
		event(u.inUse[v], k.reasons.notAllocated, fmt.Sprintf("%s is not allocated; repairing", k.reasons.describe(v)))
	}
	for _, cf := range rep.Conflicts {
		event(cf.Owner, k.reasons.alreadyAllocated, fmt.Sprintf("%s was assigned to multiple services; please recreate service", k.reasons.describe(cf.Value)))
	}
	for _, v := range rep.OutOfRange {
		event(u.inUse[v], k.reasons.outOfRange, fmt.Sprintf("%s is not within the configured range; please recreate service", k.reasons.describe(v)))
	}
}

func byOwner(items []corev1.Service) map[string]*corev1.Service {
	out := make(map[string]*corev1.Service, len(items))
	for i := range items {
		out[Owner(&items[i])] = &items[i]
	}
	return out
}
