package localprovisioner

import (
	"context"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/controller/queue"
	"github.com/ordo-dev/ordo/internal/storageclass"
)

// Config holds the provisioner's dependencies.
type Config struct {
	Client kubernetes.Interface
	// Informers is shared with other controllers; Run starts it.
	Informers informers.SharedInformerFactory
	// Root is the directory volumes are made in (<data-dir>/volumes); it
	// is made absolute, since it ends up in hostPath volumes.
	Root string
	// NodeName is this server's own node, whose agent shares its data
	// directory; "" when the server runs no agent (see decideProvision).
	NodeName string
	// Clock drives the queues' delays and event times; defaults to real.
	Clock clock.WithTicker
}

// Controller provisions and deletes ordo.dev/local-path volumes.
type Controller struct {
	base        *base.Base
	client      kubernetes.Interface
	root        string
	self        string
	nodes       corelisters.NodeLister
	claims      corelisters.PersistentVolumeClaimLister
	volumes     corelisters.PersistentVolumeLister
	classes     storagelisters.StorageClassLister
	claimQueue  workqueue.TypedRateLimitingInterface[string]
	volumeQueue workqueue.TypedRateLimitingInterface[string]
	recorder    record.EventRecorder
}

// New builds a Controller; Run starts it. It fails when an event handler
// cannot be added.
func New(c Config) (*Controller, error) {
	root, err := filepath.Abs(c.Root)
	if err != nil {
		return nil, err
	}
	// External provisioners record events as their provisioner name.
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: c.Clock}, "local_provisioner_volumes", storageclass.LocalPath)
	if err != nil {
		return nil, err
	}
	f := b.Informers
	ctl := &Controller{
		base:        b,
		client:      b.Client,
		root:        root,
		self:        c.NodeName,
		nodes:       f.Core().V1().Nodes().Lister(),
		claims:      f.Core().V1().PersistentVolumeClaims().Lister(),
		volumes:     f.Core().V1().PersistentVolumes().Lister(),
		classes:     f.Storage().V1().StorageClasses().Lister(),
		claimQueue:  b.NewQueue("local_provisioner_claims"),
		volumeQueue: b.Queue,
		recorder:    b.Recorder,
	}
	for _, w := range []struct {
		inf cache.SharedIndexInformer
		h   func(interface{})
	}{
		{f.Core().V1().PersistentVolumeClaims().Informer(), ctl.onClaim},
		{f.Core().V1().PersistentVolumes().Informer(), ctl.onVolume},
	} {
		h := w.h
		if err := b.Watch(w.inf, cache.ResourceEventHandlerFuncs{AddFunc: h, UpdateFunc: func(_, cur interface{}) { h(cur) }}); err != nil {
			return nil, err
		}
	}
	// Classes are only read: the binder marks a claim for us once its
	// class exists, which is the update that queues it here.
	// Nodes are read for the volume directory they publish; a claim
	// whose node has not published one yet fails and is retried.
	b.WaitFor(f.Storage().V1().StorageClasses().Informer().HasSynced, f.Core().V1().Nodes().Informer().HasSynced)
	return ctl, nil
}

// Run works until ctx is done, with workers goroutines per queue.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.base.RunLoops(ctx, workers,
		queue.Loop[string]{Queue: c.volumeQueue, Name: "local-provisioner volumes", Sync: c.syncVolume},
		queue.Loop[string]{Queue: c.claimQueue, Name: "local-provisioner claims", Sync: c.syncClaim})
}

// onClaim queues unbound claims marked for this provisioner.
func (c *Controller) onClaim(obj interface{}) {
	if claim, ok := obj.(*corev1.PersistentVolumeClaim); ok && wantsUs(claim) && claim.Spec.VolumeName == "" {
		c.claimQueue.Add(cache.MetaObjectToName(claim).String())
	}
}

// onVolume queues volumes that may be ours to delete.
func (c *Controller) onVolume(obj interface{}) {
	if v, ok := obj.(*corev1.PersistentVolume); ok && v.Status.Phase == corev1.VolumeReleased {
		c.volumeQueue.Add(v.Name)
	}
}
