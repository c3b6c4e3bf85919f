package namespace

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
)

// resource is one namespaced resource to empty and how.
type resource struct {
	GVR schema.GroupVersionResource
	// Collection: the resource supports deletecollection; otherwise its
	// objects are listed and deleted one by one.
	Collection bool
}

// contentResult is what one pass over a namespace's content found.
type contentResult struct {
	// DiscoveryErr is set when some API groups could not be discovered;
	// their content may remain, so the namespace must not be finalized.
	DiscoveryErr error
	// DeleteErrs: resource key ("configmaps.", "jobs.batch") → error.
	DeleteErrs map[string]error
	// Remaining: resource key → objects still present.
	Remaining map[string]int
	// Finalizers: finalizer → objects still carrying it.
	Finalizers map[string]int
}

// namespacedResources filters discovery down to top-level namespaced
// resources that can be listed and deleted.
func namespacedResources(lists []*metav1.APIResourceList) []resource {
	var out []resource
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if !r.Namespaced || strings.Contains(r.Name, "/") || !has(r.Verbs, "list") {
				continue
			}
			coll := has(r.Verbs, "deletecollection")
			if !coll && !has(r.Verbs, "delete") {
				continue
			}
			out = append(out, resource{GVR: gv.WithResource(r.Name), Collection: coll})
		}
	}
	return out
}

// discoverResources tolerates a partial failure: the groups that answered
// are still emptied, and the failure is reported so finalizing waits.
func discoverResources(d discovery.DiscoveryInterface) ([]resource, error) {
	lists, err := discovery.ServerPreferredNamespacedResources(d)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, err
	}
	return namespacedResources(lists), err
}

// contentDeleter empties namespaces through the metadata client.
type contentDeleter struct {
	client metadata.Interface
}

// podsGVR is deleted first (Kubernetes' ordered namespace deletion, GA in
// 1.34): a pod's processes may still use the namespace's Secrets,
// ConfigMaps and claims while they stop.
var podsGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// deleteAll deletes every object of each resource in ns and reports what
// remains afterwards (objects with finalizers or in graceful deletion).
// Pods go first; while any remains, nothing else is deleted.
func (d contentDeleter) deleteAll(ctx context.Context, ns string, rs []resource) contentResult {
	res := contentResult{DeleteErrs: map[string]error{}, Remaining: map[string]int{}, Finalizers: map[string]int{}}
	var rest []resource
	for _, r := range rs {
		if r.GVR == podsGVR {
			d.deleteAndCount(ctx, ns, r, &res)
		} else {
			rest = append(rest, r)
		}
	}
	if res.Remaining[resourceKey(podsGVR)] > 0 || res.DeleteErrs[resourceKey(podsGVR)] != nil {
		return res
	}
	for _, r := range rest {
		d.deleteAndCount(ctx, ns, r, &res)
	}
	return res
}

func (d contentDeleter) deleteAndCount(ctx context.Context, ns string, r resource, res *contentResult) {
	key := resourceKey(r.GVR)
	if err := d.deleteResource(ctx, ns, r); err != nil {
		res.DeleteErrs[key] = err
	}
	if err := d.countRemaining(ctx, ns, r.GVR, res); err != nil {
		res.DeleteErrs[key] = err
	}
}

func (d contentDeleter) deleteResource(ctx context.Context, ns string, r resource) error {
	c := d.client.Resource(r.GVR).Namespace(ns)
	background := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &background}
	if r.Collection {
		err := c.DeleteCollection(ctx, opts, metav1.ListOptions{})
		if !apierrors.IsMethodNotSupported(err) {
			return err
		}
	}
	list, err := c.List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, item := range list.Items {
		if item.DeletionTimestamp != nil {
			continue
		}
		if err := c.Delete(ctx, item.Name, opts); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

func (d contentDeleter) countRemaining(ctx context.Context, ns string, gvr schema.GroupVersionResource, res *contentResult) error {
	list, err := d.client.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	if n := len(list.Items); n > 0 {
		res.Remaining[resourceKey(gvr)] = n
	}
	for _, item := range list.Items {
		for _, f := range item.Finalizers {
			res.Finalizers[f]++
		}
	}
	return nil
}

// resourceKey names a resource as Kubernetes' namespace conditions do:
// "<resource>.<group>", so core resources end in a dot.
func resourceKey(gvr schema.GroupVersionResource) string {
	return fmt.Sprintf("%s.%s", gvr.Resource, gvr.Group)
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
