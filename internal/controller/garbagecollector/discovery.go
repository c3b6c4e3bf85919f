package garbagecollector

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/klog/v2"
)

// resourceKinds maps each watched resource to its kind; informers deliver
// PartialObjectMetadata, whose own TypeMeta does not say the kind.
type resourceKinds map[schema.GroupVersionResource]string

// ignoredResources are never watched: events are numerous, short-lived and
// never owners, as in Kubernetes' defaults.
var ignoredResources = map[schema.GroupResource]bool{
	{Group: "", Resource: "events"}:              true,
	{Group: "events.k8s.io", Resource: "events"}: true,
}

// deletableResources asks discovery for the preferred version of every
// resource. A partial discovery failure still yields the groups that
// answered, so one broken group does not stop collection everywhere else.
// complete is false after a partial failure.
func deletableResources(d discovery.DiscoveryInterface) (kinds resourceKinds, complete bool, err error) {
	lists, err := discovery.ServerPreferredResources(d)
	if err != nil {
		if !discovery.IsGroupDiscoveryFailedError(err) || len(lists) == 0 {
			return nil, false, fmt.Errorf("discovery: %w", err)
		}
		klog.Warningf("garbagecollector: partial discovery: %v", err)
		return filterDeletable(lists), false, nil
	}
	return filterDeletable(lists), true, nil
}

// filterDeletable keeps top-level resources supporting list, watch and
// delete.
func filterDeletable(lists []*metav1.APIResourceList) resourceKinds {
	out := resourceKinds{}
	verbs := discovery.SupportsAllVerbs{Verbs: []string{"list", "watch", "delete"}}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for i := range l.APIResources {
			r := &l.APIResources[i]
			if strings.Contains(r.Name, "/") || !verbs.Match(l.GroupVersion, r) {
				continue
			}
			if ignoredResources[gv.WithResource(r.Name).GroupResource()] {
				continue
			}
			out[gv.WithResource(r.Name)] = r.Kind
		}
	}
	return out
}
