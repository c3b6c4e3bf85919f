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
	"github.com/ordo-dev/ordo/internal/controller/podcontrol"
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
	pc       podcontrol.Control
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
	ctl.pc = podcontrol.Control{Client: b.Client, Recorder: b.Recorder, Expect: ctl.expect}
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
	if err := c.base.Watch(c.w.informer, podcontrol.OwnerHandler(c.queue, c.expect)); err != nil {
		return err
	}
	// An orphan wakes every ReplicaSet that may adopt it.
	return c.base.Watch(c.pods, podcontrol.PodHandler(c.w.kind, c.queue, c.expect, c.enqueueMatching))
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
