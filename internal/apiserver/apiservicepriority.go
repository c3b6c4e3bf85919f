package apiserver

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// apiServicePriority orders groups in discovery (and so which group wins
// when two serve a resource of the same name, such as events) and versions
// within a group (which one kubectl prefers).
type apiServicePriority struct {
	group, version int32
}

// builtinPriorities are kube-apiserver's priorities for the groups ordo
// serves (its table of default APIService priorities), so that discovery
// lists groups in the order clients expect.
var builtinPriorities = map[string]int32{
	"":                             18000,
	"apps":                         17800,
	"events.k8s.io":                17750,
	"authentication.k8s.io":        17700,
	"authorization.k8s.io":         17600,
	"autoscaling":                  17500,
	"batch":                        17400,
	"certificates.k8s.io":          17300,
	"networking.k8s.io":            17200,
	"policy":                       17100,
	"rbac.authorization.k8s.io":    17000,
	"storage.k8s.io":               16800,
	"apiextensions.k8s.io":         16700,
	"admissionregistration.k8s.io": 16700,
	"scheduling.k8s.io":            16600,
	"coordination.k8s.io":          16500,
	"node.k8s.io":                  16300,
	"discovery.k8s.io":             16200,
	"flowcontrol.apiserver.k8s.io": 16100,
	"internal.apiserver.k8s.io":    16000,
	"resource.k8s.io":              15900,
	"storagemigration.k8s.io":      15800,
}

// otherGroupPriority is for a built-in group missing from the table: after
// the known ones, still ahead of CRDs (1000).
const otherGroupPriority = 15000

// priorityOf is gv's priority. Every version of a group gets the same
// version priority, so the aggregator ranks them by Kubernetes' ordering of
// version names (v2 > v1 > v1beta1 > v1alpha1), which is the order
// kube-apiserver's per-version numbers give; the core group's only version
// has 1, as in kube-apiserver.
func priorityOf(gv schema.GroupVersion) apiServicePriority {
	if gv.Group == "" {
		return apiServicePriority{group: 18000, version: 1}
	}
	group, ok := builtinPriorities[gv.Group]
	if !ok {
		group = otherGroupPriority
	}
	return apiServicePriority{group: group, version: 15}
}
