package printers

import (
	"maps"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/rest"
)

// For returns the table convertor for a resource, e.g. {Group:"batch", Resource:"cronjobs"}.
// Resources with no specific printer get rest.NewDefaultTableConvertor(gr) (NAME, CREATED AT), as Kubernetes does.
func For(gr schema.GroupResource) rest.TableConvertor {
	return forClock(gr, time.Now)
}

// forClock is For with the clock ages are computed from; tests pass a fixed one.
func forClock(gr schema.GroupResource, now func() time.Time) rest.TableConvertor {
	if def, ok := registry[gr]; ok {
		return def.withClock(now)
	}
	return rest.NewDefaultTableConvertor(gr)
}

// registry maps each resource with a dedicated printer to it. It is built
// once and never modified.
var registry = merge(
	coreDefinitions(),
	appsDefinitions(),
	batchDefinitions(),
	discoveryDefinitions(),
	storageDefinitions(),
	rbacDefinitions(),
	coordinationDefinitions(),
	eventDefinitions(),
)

func merge(sets ...map[schema.GroupResource]definition) map[schema.GroupResource]definition {
	all := map[schema.GroupResource]definition{}
	for _, set := range sets {
		maps.Copy(all, set)
	}
	return all
}
