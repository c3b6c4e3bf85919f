package resourcequota

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/quota"
)

// DefaultResyncPeriod is kube-controller-manager's --resource-quota-sync-period.
const DefaultResyncPeriod = 5 * time.Minute

// cached are the kinds whose objects come from informers; their deletes
// give back quota at once.
var cached = []schema.GroupVersionResource{
	corev1.SchemeGroupVersion.WithResource("pods"), corev1.SchemeGroupVersion.WithResource("services"),
	corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims"), corev1.SchemeGroupVersion.WithResource("configmaps"),
	corev1.SchemeGroupVersion.WithResource("secrets"),
}

// Config holds the controller's dependencies.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	// Metadata lists the objects of kinds without an informer here.
	Metadata metadata.Interface
	// Mapper resolves count/<resource>.<group> to a served version.
	Mapper meta.RESTMapper
	// ResyncPeriod recomputes every quota; DefaultResyncPeriod when 0.
	ResyncPeriod time.Duration
	Clock        clock.WithTicker
}

// Controller keeps quotas' status (see the package doc).
type Controller struct {
	b       *base.Base
	cfg     Config
	quotas  corelisters.ResourceQuotaLister
	listers map[schema.GroupResource]cache.GenericLister
}

// New builds a Controller; Run starts it.
func New(c Config) (*Controller, error) {
	if c.ResyncPeriod == 0 {
		c.ResyncPeriod = DefaultResyncPeriod
	}
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: c.Clock}, "resourcequota_primary", "resourcequota-controller")
	if err != nil {
		return nil, err
	}
	c.Clock = b.Clock
	quotas := b.Informers.Core().V1().ResourceQuotas()
	ctl := &Controller{b: b, cfg: c, quotas: quotas.Lister(), listers: map[schema.GroupResource]cache.GenericLister{}}
	if err := b.Watch(quotas.Informer(), ctl.onQuota()); err != nil {
		return nil, err
	}
	for _, gvr := range cached {
		inf, err := b.Informers.ForResource(gvr)
		if err != nil {
			return nil, err
		}
		ctl.listers[gvr.GroupResource()] = inf.Lister()
		if err := b.Watch(inf.Informer(), ctl.replenish()); err != nil {
			return nil, err
		}
	}
	return ctl, nil
}

// Run works until ctx is done; every resync period it recomputes every
// quota.
func (c *Controller) Run(ctx context.Context, workers int) {
	go c.resyncEvery(ctx)
	c.b.Run(ctx, workers, c.sync)
}

func (c *Controller) resyncEvery(ctx context.Context) {
	tick := c.cfg.Clock.NewTicker(c.cfg.ResyncPeriod)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C():
			c.enqueueNamespace("")
		}
	}
}

// onQuota queues a quota that is new, whose spec changed or that lacks
// a usage, as Kubernetes' controller does. The admission plugin's charges
// change only status.used: recomputing then would race the objects being
// created (not yet in the informers) and could take the charge back.
func (c *Controller) onQuota() cache.ResourceEventHandlerFuncs {
	add := func(obj interface{}) {
		if q, ok := obj.(*corev1.ResourceQuota); ok {
			c.b.Queue.Add(cache.MetaObjectToName(q).String())
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: add,
		UpdateFunc: func(old, cur interface{}) {
			o, ok1 := old.(*corev1.ResourceQuota)
			n, ok2 := cur.(*corev1.ResourceQuota)
			if ok1 && ok2 && (!equality.Semantic.DeepEqual(o.Spec, n.Spec) || needsUsage(n)) {
				add(n)
			}
		},
	}
}

// replenish queues a namespace's quotas when one of its objects goes or a
// pod stops holding resources (it finished, or began terminating).
func (c *Controller) replenish() cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(old, cur interface{}) {
			o, ok1 := old.(*corev1.Pod)
			n, ok2 := cur.(*corev1.Pod)
			now := c.cfg.Clock.Now()
			if ok1 && ok2 && quota.HoldsResources(o, now) != quota.HoldsResources(n, now) || ok2 && n.DeletionTimestamp != nil && o.DeletionTimestamp == nil {
				c.enqueueNamespace(n.Namespace)
			}
		},
		DeleteFunc: func(obj interface{}) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if m, err := meta.Accessor(obj); err == nil {
				c.enqueueNamespace(m.GetNamespace())
			}
		},
	}
}

// enqueueNamespace queues ns's quotas, or every quota for "".
func (c *Controller) enqueueNamespace(ns string) {
	qs, err := c.quotas.ResourceQuotas(ns).List(labels.Everything())
	if err != nil {
		return
	}
	for _, q := range qs {
		c.b.Queue.Add(cache.MetaObjectToName(q).String())
	}
}

// sync recomputes one quota's usage and writes its status when it changed.
func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	q, err := c.quotas.ResourceQuotas(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	computed, calcErr := quotav1.CalculateUsage(ns, q.Spec.Scopes, q.Spec.Hard, c.registry(ctx, q), q.Spec.ScopeSelector)
	st, changed := newStatus(q, computed)
	if !changed {
		return nil, calcErr
	}
	updated := q.DeepCopy()
	updated.Status = st
	if _, err := c.cfg.Client.CoreV1().ResourceQuotas(ns).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		return nil, err // a conflict retries on the newer version
	}
	klog.FromContext(ctx).V(2).Info("Updated quota usage", "quota", klog.KObj(q), "used", st.Used)
	return nil, calcErr
}

// registry is the built-in evaluators plus an object count for each
// count/<resource>.<group> in q that none of them handles.
func (c *Controller) registry(ctx context.Context, q *corev1.ResourceQuota) quotav1.Registry {
	cfg := quota.Config{ListerFor: c.listerFor(ctx), Clock: c.cfg.Clock}
	reg := generic.NewRegistry(quota.Evaluators(cfg))
	for name := range q.Spec.Hard {
		gr, ok := countedResource(name)
		if !ok || reg.Get(gr) != nil || c.cfg.Mapper == nil {
			continue
		}
		gvr, err := c.cfg.Mapper.ResourceFor(gr.WithVersion(""))
		if err != nil {
			klog.FromContext(ctx).V(2).Info("Cannot count resource for quota", "quota", klog.KObj(q), "resource", gr, "err", err)
			continue
		}
		reg.Add(quota.ObjectCount(cfg, gvr))
	}
	return reg
}

// listerFor serves the cached kinds from their informers and any other
// through the metadata client.
func (c *Controller) listerFor(ctx context.Context) quotav1.ListerForResourceFunc {
	return func(gvr schema.GroupVersionResource) (cache.GenericLister, error) {
		if l, ok := c.listers[gvr.GroupResource()]; ok {
			return l, nil
		}
		return liveLister{ctx: ctx, client: c.cfg.Metadata, gvr: gvr}, nil
	}
}
