package endpoints

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/ordo-dev/ordo/internal/controller/base"
)

// Config holds the controller's dependencies: the client, the informer
// factory (created when nil) and the clock (real when nil), which drives
// the workqueue's delays and event timestamps.
type Config = base.Config

// Controller keeps Endpoints and EndpointSlices of selector Services.
type Controller struct {
	base      *base.Base
	client    kubernetes.Interface
	services  corelisters.ServiceLister
	pods      corelisters.PodLister
	endpoints corelisters.EndpointsLister
	slices    discoverylisters.EndpointSliceLister
	queue     workqueue.TypedRateLimitingInterface[string] // Service keys, ns/name
	recorder  record.EventRecorder
	warned    warnings // Service generations warned about unsupported fields
}

// New builds a Controller; Run starts it. It fails when an event handler
// cannot be added.
func New(c Config) (*Controller, error) {
	b, err := base.New(c, "endpoint", "endpoint-controller")
	if err != nil {
		return nil, err
	}
	core, disc := b.Informers.Core().V1(), b.Informers.Discovery().V1()
	ctl := &Controller{
		base: b, client: b.Client,
		services: core.Services().Lister(), pods: core.Pods().Lister(),
		endpoints: core.Endpoints().Lister(), slices: disc.EndpointSlices().Lister(),
		queue: b.Queue, recorder: b.Recorder,
	}
	if err := ctl.addHandlers(core.Services().Informer(), core.Pods().Informer(), core.Endpoints().Informer(), disc.EndpointSlices().Informer()); err != nil {
		return nil, err
	}
	return ctl, nil
}

func (c *Controller) addHandlers(svcs, pods, eps, slices cache.SharedIndexInformer) error {
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{svcs, cache.ResourceEventHandlerFuncs{AddFunc: c.enqueue, UpdateFunc: func(_, o interface{}) { c.enqueue(o) }, DeleteFunc: c.onServiceDelete}},
		{pods, cache.ResourceEventHandlerFuncs{AddFunc: c.onPod, UpdateFunc: c.onPodUpdate, DeleteFunc: c.onPod}},
		// Someone deleting what the controller owns gets it back.
		// and a user's Endpoints of a selector-less Service are mirrored.
		{eps, cache.ResourceEventHandlerFuncs{AddFunc: c.onUserEndpoints, UpdateFunc: func(_, o interface{}) { c.onUserEndpoints(o) }, DeleteFunc: c.enqueue}},
		{slices, cache.ResourceEventHandlerFuncs{DeleteFunc: c.onSlice}},
	}
	for _, h := range handlers {
		if err := c.base.Watch(h.inf, h.h); err != nil {
			return err
		}
	}
	return nil
}

// onUserEndpoints queues a written Endpoints object only when it belongs
// to an existing Service without a selector (to be mirrored into slices).
// Endpoints with no Service are the user's to keep: syncing them would
// delete them as a vanished Service's.
func (c *Controller) onUserEndpoints(obj interface{}) {
	ep, ok := obj.(*corev1.Endpoints)
	if !ok {
		return
	}
	svc, err := c.services.Services(ep.Namespace).Get(ep.Name)
	if err == nil && selectorOf(svc) == nil {
		c.enqueue(obj)
	}
}

func (c *Controller) enqueue(obj interface{}) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// onServiceDelete drops what the controller remembers of the Service, then
// syncs it away.
func (c *Controller) onServiceDelete(obj interface{}) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	if svc, ok := obj.(*corev1.Service); ok {
		c.warned.forget(svc.UID)
	}
	c.enqueue(obj)
}

// onPod queues every Service whose selector matches the pod.
func (c *Controller) onPod(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if p, ok := obj.(*corev1.Pod); ok {
		c.enqueueServicesOf(p.Namespace, p.Labels)
	}
}

// onPodUpdate also queues the Services the pod's old labels matched, which
// must now drop it.
func (c *Controller) onPodUpdate(old, cur interface{}) {
	o, ok1 := old.(*corev1.Pod)
	n, ok2 := cur.(*corev1.Pod)
	if !ok1 || !ok2 || o.ResourceVersion == n.ResourceVersion {
		return
	}
	c.onPod(n)
	if !labels.Equals(o.Labels, n.Labels) {
		c.onPod(o)
	}
}

func (c *Controller) enqueueServicesOf(ns string, podLabels map[string]string) {
	svcs, err := c.services.Services(ns).List(labels.Everything())
	if err != nil {
		return
	}
	for _, s := range svcs {
		if sel := selectorOf(s); sel != nil && sel.Matches(labels.Set(podLabels)) {
			c.queue.Add(ns + "/" + s.Name)
		}
	}
}

func (c *Controller) onSlice(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if s, ok := obj.(*discoveryv1.EndpointSlice); ok && s.Labels[discoveryv1.LabelManagedBy] == ManagedBy {
		if name := s.Labels[discoveryv1.LabelServiceName]; name != "" {
			c.queue.Add(s.Namespace + "/" + name)
		}
	}
}

// selectorOf is the Service's pod selector, nil for a Service this
// controller leaves alone: no selector (user-managed endpoints) or
// ExternalName. An empty selector counts as none: it does not survive the
// API's protobuf encoding as distinct from an absent one.
func selectorOf(s *corev1.Service) labels.Selector {
	if len(s.Spec.Selector) == 0 || s.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	return labels.SelectorFromValidatedSet(s.Spec.Selector)
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.base.Run(ctx, workers, c.sync)
}
