package pvbinder

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/controller/queue"
)

// component is the event source Kubernetes' PV controller uses.
const component = "persistentvolume-controller"

// Config holds the controller's dependencies: the client, the informer
// factory (created when nil) and the clock (real when nil), which stamps
// phase transitions and drives the queues' delays.
type Config = base.Config

// Controller binds claims and volumes.
type Controller struct {
	base        *base.Base
	client      kubernetes.Interface
	clock       clock.WithTicker
	claims      corelisters.PersistentVolumeClaimLister
	volumes     corelisters.PersistentVolumeLister
	classes     storagelisters.StorageClassLister
	pods        corelisters.PodLister
	nodes       corelisters.NodeLister
	claimQueue  workqueue.TypedRateLimitingInterface[string]
	volumeQueue workqueue.TypedRateLimitingInterface[string]
	recorder    record.EventRecorder
}

// New builds a Controller; Run starts it. It fails when an event handler
// cannot be added.
func New(c Config) (*Controller, error) {
	b, err := base.New(c, "volumes", component)
	if err != nil {
		return nil, err
	}
	f := b.Informers
	ctl := &Controller{
		base:        b,
		client:      b.Client,
		clock:       b.Clock,
		claims:      f.Core().V1().PersistentVolumeClaims().Lister(),
		volumes:     f.Core().V1().PersistentVolumes().Lister(),
		classes:     f.Storage().V1().StorageClasses().Lister(),
		pods:        f.Core().V1().Pods().Lister(),
		nodes:       f.Core().V1().Nodes().Lister(),
		claimQueue:  b.NewQueue("claims"),
		volumeQueue: b.Queue,
		recorder:    b.Recorder,
	}
	for _, w := range []struct {
		inf                cache.SharedIndexInformer
		onChange, onDelete func(interface{})
	}{
		{f.Core().V1().PersistentVolumeClaims().Informer(), ctl.onClaim, ctl.onClaimDeleted},
		{f.Core().V1().PersistentVolumes().Informer(), ctl.onVolume, ctl.onVolume},
		{f.Storage().V1().StorageClasses().Informer(), ctl.onClass, nil},
		{f.Core().V1().Pods().Informer(), ctl.onPod, nil},
	} {
		if err := b.Watch(w.inf, changes(w.onChange, w.onDelete)); err != nil {
			return nil, err
		}
	}
	// Nodes are read only, for the labels a delayed claim's volume must
	// match (see nodeLabels).
	b.WaitFor(f.Core().V1().Nodes().Informer().HasSynced)
	return ctl, nil
}

// changes is a handler calling onChange for adds and updates and onDelete
// (when not nil) for deletions.
func changes(onChange, onDelete func(interface{})) cache.ResourceEventHandlerFuncs {
	h := cache.ResourceEventHandlerFuncs{AddFunc: onChange, UpdateFunc: func(_, cur interface{}) { onChange(cur) }}
	if onDelete != nil {
		h.DeleteFunc = onDelete
	}
	return h
}

// Run works until ctx is done, with workers goroutines per queue.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.base.RunLoops(ctx, workers,
		queue.Loop[string]{Queue: c.volumeQueue, Name: "pv-binder volumes", Sync: c.syncVolume},
		queue.Loop[string]{Queue: c.claimQueue, Name: "pv-binder claims", Sync: c.syncClaim})
}

func (c *Controller) onClaim(obj interface{}) {
	if claim, ok := obj.(*corev1.PersistentVolumeClaim); ok {
		c.claimQueue.Add(cache.MetaObjectToName(claim).String())
	}
}

// onClaimDeleted looks at the volumes the claim held or was promised:
// they are Released now.
func (c *Controller) onClaimDeleted(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	claim, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok {
		return
	}
	vols, _ := c.volumes.List(labels.Everything())
	for _, v := range vols {
		if ref := v.Spec.ClaimRef; v.Name == claim.Spec.VolumeName || (ref != nil && ref.Namespace == claim.Namespace && ref.Name == claim.Name) {
			c.volumeQueue.Add(v.Name)
		}
	}
}

// onVolume syncs the volume and the claims it may serve: the claim its
// claimRef names, or, for a free volume, every claim still waiting.
func (c *Controller) onVolume(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	v, ok := obj.(*corev1.PersistentVolume)
	if !ok {
		return
	}
	c.volumeQueue.Add(v.Name)
	if ref := v.Spec.ClaimRef; ref != nil {
		c.claimQueue.Add(ref.Namespace + "/" + ref.Name)
		return
	}
	c.queueWaitingClaims("")
}

// onClass retries the claims of a class that was created or changed (a
// missing class of seed 004's nfs-csi, created later, say).
func (c *Controller) onClass(obj interface{}) {
	if sc, ok := obj.(interface{ GetName() string }); ok {
		c.queueWaitingClaims(sc.GetName())
	}
}

// queueWaitingClaims queues the unbound claims, all of them or those of one
// class.
func (c *Controller) queueWaitingClaims(class string) {
	claims, _ := c.claims.List(labels.Everything())
	for _, claim := range claims {
		if claim.Spec.VolumeName != "" || (class != "" && claimClass(claim) != class) {
			continue
		}
		c.claimQueue.Add(cache.MetaObjectToName(claim).String())
	}
}

// onPod queues the claims of a pod once it is placed on a node: a claim
// whose class waits for its first consumer can be bound now.
func (c *Controller) onPod(obj interface{}) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return
	}
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		claim, err := c.claims.PersistentVolumeClaims(pod.Namespace).Get(v.PersistentVolumeClaim.ClaimName)
		if err == nil && claim.Spec.VolumeName == "" {
			c.claimQueue.Add(cache.MetaObjectToName(claim).String())
		}
	}
}
