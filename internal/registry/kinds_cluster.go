package registry

import (
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"

	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/ordo-dev/ordo/internal/api/defaults"
	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

func coordinationGroup() Group {
	gv := coordinationv1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: coordinationv1.AddToScheme, Kinds: []*Resource{
		kind(gv, "leases", &coordinationv1.Lease{}, &coordinationv1.LeaseList{}).
			rules(v.For(v.ValidateLease, v.ValidateLeaseUpdate, nil)).
			columns(printers.Leases()),
	}}
}

func discoveryGroup() Group {
	gv := discoveryv1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: discoveryv1.AddToScheme, Kinds: []*Resource{
		kind(gv, "endpointslices", &discoveryv1.EndpointSlice{}, &discoveryv1.EndpointSliceList{}).
			rules(v.For(v.ValidateEndpointSlice, v.ValidateEndpointSliceUpdate, nil)).
			columns(printers.EndpointSlices()),
	}}
}

// eventsGroup serves events.k8s.io Events from core's storage, as
// Kubernetes does: the stored objects are core Events, which the scheme
// converts at the edge, so they are validated and printed as core Events.
func eventsGroup() Group {
	gv := eventsv1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: eventsv1.AddToScheme, Kinds: []*Resource{
		// As core events (kinds_core.go): no watch cache.
		kind(gv, "events", &corev1.Event{}, &corev1.EventList{}).short("ev").createOnUpdate().noWatchCache().
			with(Hooks{TTLSeconds: eventTTLSeconds}).
			rules(v.For(v.ValidateEvent, v.ValidateEventUpdate, nil)).
			columns(printers.Events()),
	}}
}

func storageGroup() Group {
	gv := storagev1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: storagev1.AddToScheme, Kinds: append([]*Resource{
		kind(gv, "storageclasses", &storagev1.StorageClass{}, &storagev1.StorageClassList{}).cluster().short("sc").
			defaulting(typed(defaults.StorageClass)).
			rules(v.For(v.ValidateStorageClass, v.ValidateStorageClassUpdate, nil)).
			columns(printers.StorageClasses()),
	}, csiKinds(gv)...)}
}

// rbacGroup's writes go through the escalation check (rbacguard.go).
func rbacGroup() Group {
	gv := rbacv1.SchemeGroupVersion
	guarded := Hooks{Main: func(m *mainREST, c Config) rest.Storage { return &rbacREST{mainREST: m, guard: c.Escalation} }}
	return Group{Version: gv, AddToScheme: rbacv1.AddToScheme, Kinds: []*Resource{
		kind(gv, "roles", &rbacv1.Role{}, &rbacv1.RoleList{}).with(guarded).
			rules(v.For(v.ValidateRole, v.ValidateRoleUpdate, nil)),
		kind(gv, "clusterroles", &rbacv1.ClusterRole{}, &rbacv1.ClusterRoleList{}).cluster().with(guarded).
			rules(v.For(v.ValidateClusterRole, v.ValidateClusterRoleUpdate, nil)),
		kind(gv, "rolebindings", &rbacv1.RoleBinding{}, &rbacv1.RoleBindingList{}).with(guarded).
			defaulting(typed(defaults.RoleBinding)).
			rules(v.For(v.ValidateRoleBinding, v.ValidateRoleBindingUpdate, nil)).
			columns(printers.RoleBindings()),
		kind(gv, "clusterrolebindings", &rbacv1.ClusterRoleBinding{}, &rbacv1.ClusterRoleBindingList{}).cluster().with(guarded).
			defaulting(typed(defaults.ClusterRoleBinding)).
			rules(v.For(v.ValidateClusterRoleBinding, v.ValidateClusterRoleBindingUpdate, nil)).
			columns(printers.ClusterRoleBindings()),
	}}
}
