package garbagecollector

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// crdResource is where resources come from at run time.
var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// crdSettle is how long after a CRD changes discovery is read again: the
// CRD's Established condition and its discovery entry are written by two
// controllers of the API server, one moment apart.
const crdSettle = time.Second

// watchCRDs re-reads discovery shortly after any CRD changes, so custom
// resources are watched (and collected) within a second or so of their
// CRD, not at the next periodic resync (Kubernetes' collector waits for
// that one, up to 30 s). The periodic resync stays, for aggregated APIs.
// It returns a function that stops the watch.
func (c *Controller) watchCRDs() func() {
	inf := metadatainformer.NewFilteredMetadataInformer(c.metadata, crdResource, metav1.NamespaceAll, 0, cache.Indexers{}, nil).Informer()
	soon := func(any) {
		go func() {
			<-c.clock.After(crdSettle)
			c.requestDiscovery()
		}()
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: soon, DeleteFunc: soon, UpdateFunc: func(_, o any) { soon(o) },
	}); err != nil {
		klog.Errorf("garbagecollector: CRD handler: %v", err)
	}
	stop := make(chan struct{})
	go inf.Run(stop)
	return func() { close(stop) }
}
