package resourcequota

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
)

// liveLister lists a resource's objects' metadata straight from the API
// server, for object counts of kinds this controller keeps no cache of.
type liveLister struct {
	ctx    context.Context
	client metadata.Interface
	gvr    schema.GroupVersionResource
	ns     string
}

var _ cache.GenericLister = liveLister{}

func (l liveLister) List(selector labels.Selector) ([]runtime.Object, error) {
	if l.client == nil {
		return nil, fmt.Errorf("cannot list %s: no metadata client", l.gvr)
	}
	var r metadata.ResourceInterface = l.client.Resource(l.gvr)
	if l.ns != "" {
		r = l.client.Resource(l.gvr).Namespace(l.ns)
	}
	list, err := r.List(l.ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, err
	}
	out := make([]runtime.Object, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out, nil
}

func (l liveLister) Get(name string) (runtime.Object, error) {
	return l.client.Resource(l.gvr).Namespace(l.ns).Get(l.ctx, name, metav1.GetOptions{})
}

func (l liveLister) ByNamespace(ns string) cache.GenericNamespaceLister {
	l.ns = ns
	return l
}
