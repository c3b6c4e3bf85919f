package registry

import (
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ordo-dev/ordo/internal/api/scheme"
	"github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// Group is one served API group version and every kind ordo stores in it.
// Each group has a file of its own (kinds_core.go, kinds_apps.go, ...) whose
// rows are the one description of each kind: storage, strategy hooks,
// validation, defaults, printer columns, short names and categories.
// Everything else (the scheme's storage versions, the generic API server's
// REST storage, discovery, defaulting, kubectl's tables) is derived from it.
type Group struct {
	Version schema.GroupVersion
	// AddToScheme registers the version's Go types (k8s.io/api's).
	AddToScheme func(*runtime.Scheme) error
	Kinds       []*Resource
}

// Groups lists every group version ordo stores objects in.
func Groups() []Group {
	return []Group{
		coreGroup(), appsGroup(), batchGroup(), coordinationGroup(), discoveryGroup(),
		eventsGroup(), storageGroup(), rbacGroup(), admissionregistrationGroup(),
		policyGroup(), schedulingGroup(),
		networkingGroup(), autoscalingGroup(), nodeGroup(), certificatesGroup(), flowcontrolGroup(),
		resourceGroup(), storageMigrationGroup(),
	}
}

// Catalog lists every resource ordo serves, by group version.
func Catalog() map[schema.GroupVersion][]*Resource {
	out := map[schema.GroupVersion][]*Resource{}
	for _, g := range Groups() {
		out[g.Version] = g.Kinds
	}
	return out
}

// SchemeGroups describes the groups to the scheme: their types, the kinds
// stored under their internal version, the kinds' defaults and the other
// versions served from the same storage.
func SchemeGroups() []scheme.Group {
	var out []scheme.Group
	for _, g := range Groups() {
		sg := scheme.Group{Version: g.Version, AddToScheme: g.AddToScheme}
		for _, r := range g.Kinds {
			sg.Kinds = append(sg.Kinds, scheme.Kind{New: r.New, NewList: r.NewList, Defaults: r.Defaults})
			for _, v := range r.AlsoServedIn {
				sg.AlsoServed = appendNew(sg.AlsoServed, schema.GroupVersion{Group: g.Version.Group, Version: v})
			}
		}
		out = append(out, sg)
	}
	return out
}

// UncachedResources names, in kube-apiserver's --watch-cache-sizes form
// ("cronjobs.batch#0"), the resources served without a watch cache.
func UncachedResources() []string {
	var out []string
	for _, g := range Groups() {
		for _, r := range g.Kinds {
			if r.NoWatchCache {
				out = append(out, r.GroupResource.String()+"#0")
			}
		}
	}
	return out
}

// kind starts the description of a namespaced kind stored in gv under
// plural, from its object and list types; Kind and Singular come from the
// object's Go type name, as in k8s.io/api.
func kind(gv schema.GroupVersion, plural string, obj, list runtime.Object) *Resource {
	name := reflect.TypeOf(obj).Elem().Name()
	return &Resource{
		GroupResource: schema.GroupResource{Group: gv.Group, Resource: plural},
		Version:       gv.Version,
		Singular:      strings.ToLower(name),
		Kind:          name,
		Namespaced:    true,
		New:           func() runtime.Object { return obj.DeepCopyObject() },
		NewList:       func() runtime.Object { return list.DeepCopyObject() },
	}
}

// The methods below finish a kind's description, one facet each.

func (r *Resource) cluster() *Resource                   { r.Namespaced = false; return r }
func (r *Resource) short(names ...string) *Resource      { r.ShortNames = names; return r }
func (r *Resource) in(categories ...string) *Resource    { r.Categories = categories; return r }
func (r *Resource) sub(subresources ...string) *Resource { r.Subresources = subresources; return r }
func (r *Resource) rules(v validation.Rules) *Resource   { r.Validation = v; return r }
func (r *Resource) columns(p printers.Printer) *Resource { r.Printer = p; return r }
func (r *Resource) with(h Hooks) *Resource               { r.Hooks = h; return r }
func (r *Resource) singular(s string) *Resource          { r.Singular = s; return r }

// createOnUpdate lets PUT create the object (Events, Endpoints, Leases).
func (r *Resource) createOnUpdate() *Resource { r.AllowCreateOnUpdate = true; return r }

// noWatchCache serves lists and watches from etcd.
func (r *Resource) noWatchCache() *Resource { r.NoWatchCache = true; return r }

// alsoIn serves the kind (and its status) in older versions of its group
// from the same storage; the scheme converts.
func (r *Resource) alsoIn(versions ...string) *Resource { r.AlsoServedIn = versions; return r }

// defaulting sets the kind's defaults, which the scheme applies to every
// object decoded in its storage version; build f with typed.
func (r *Resource) defaulting(f func(runtime.Object)) *Resource { r.Defaults = f; return r }

// typed adapts a kind's typed defaulting function (defaults.Pod, ...).
func typed[T runtime.Object](f func(T)) func(runtime.Object) {
	return func(obj runtime.Object) { f(obj.(T)) }
}

var all = []string{"all"}

func appendNew(list []schema.GroupVersion, gv schema.GroupVersion) []schema.GroupVersion {
	for _, have := range list {
		if have == gv {
			return list
		}
	}
	return append(list, gv)
}
