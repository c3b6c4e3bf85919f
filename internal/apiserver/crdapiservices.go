package apiserver

import (
	"context"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdinformers "k8s.io/apiextensions-apiserver/pkg/client/informers/externalversions/apiextensions/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/kube-aggregator/pkg/controllers/autoregister"
)

// crdAPIServices keeps one local APIService per group version that a CRD
// serves (kube-apiserver's crdregistration controller), with Kubernetes'
// priorities for them (group 1000, version 100: behind every built-in
// group, versions ordered by name), so custom resources appear in
// aggregated discovery and in `kubectl get apiservices`.
//
// It recomputes the whole set on every CRD event: a cluster has tens or
// hundreds of CRDs, not millions, and a full pass has no ordering
// questions.
type crdAPIServices struct {
	crds         crdinformers.CustomResourceDefinitionInformer
	registration autoregister.AutoAPIServiceRegistration
	changed      chan struct{}
	synced       chan struct{}
	registered   sets.Set[schema.GroupVersion]
}

func newCRDAPIServices(crds crdinformers.CustomResourceDefinitionInformer) (*crdAPIServices, error) {
	c := &crdAPIServices{crds: crds, changed: make(chan struct{}, 1), synced: make(chan struct{}), registered: sets.New[schema.GroupVersion]()}
	poke := func(any) {
		select {
		case c.changed <- struct{}{}:
		default:
		}
	}
	_, err := crds.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: poke, DeleteFunc: poke, UpdateFunc: func(_, o any) { poke(o) },
	})
	return c, err
}

// run syncs until ctx ends; the first sync after the CRD cache has filled
// closes synced.
func (c *crdAPIServices) run(ctx context.Context) {
	if !cache.WaitForCacheSync(ctx.Done(), c.crds.Informer().HasSynced) {
		return
	}
	c.sync(ctx)
	close(c.synced)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.changed:
			c.sync(ctx)
		}
	}
}

func (c *crdAPIServices) waitForInitialSync(stop <-chan struct{}) bool {
	select {
	case <-c.synced:
		return true
	case <-stop:
		return false
	}
}

func (c *crdAPIServices) sync(ctx context.Context) {
	crds, err := c.crds.Lister().List(labels.Everything())
	if err != nil {
		klog.FromContext(ctx).Error(err, "Listing CustomResourceDefinitions")
		return
	}
	want := servedCRDVersions(crds)
	for gv := range want.Difference(c.registered) {
		c.registration.AddAPIServiceToSync(localAPIService(gv, apiServicePriority{group: 1000, version: 100}))
	}
	for gv := range c.registered.Difference(want) {
		c.registration.RemoveAPIServiceToSync(localAPIService(gv, apiServicePriority{}).Name)
	}
	c.registered = want
}

// servedCRDVersions is every group version some CRD serves.
func servedCRDVersions(crds []*apiextensionsv1.CustomResourceDefinition) sets.Set[schema.GroupVersion] {
	out := sets.New[schema.GroupVersion]()
	for _, crd := range crds {
		for _, v := range crd.Spec.Versions {
			if v.Served {
				out.Insert(schema.GroupVersion{Group: crd.Spec.Group, Version: v.Name})
			}
		}
	}
	return out
}
