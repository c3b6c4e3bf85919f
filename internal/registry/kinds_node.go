package registry

import (
	nodev1 "k8s.io/api/node/v1"

	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// nodeGroup serves RuntimeClasses. ordo has one runtime, whose handler is
// "ordo" ("runc" is accepted as an alias, for manifests written for
// containerd); pods naming a RuntimeClass are checked at admission
// (internal/apiserver/runtimeclass.go).
func nodeGroup() Group {
	gv := nodev1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: nodev1.AddToScheme, Kinds: []*Resource{
		kind(gv, "runtimeclasses", &nodev1.RuntimeClass{}, &nodev1.RuntimeClassList{}).cluster().
			rules(v.For(v.ValidateRuntimeClass, v.ValidateRuntimeClassUpdate, nil)).
			columns(printers.RuntimeClasses()),
	}}
}
