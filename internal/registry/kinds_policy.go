package registry

import (
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"

	"github.com/ordo-dev/ordo/internal/api/defaults"
	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// policyGroup serves PodDisruptionBudgets, whose status the disruption
// controller keeps and pods/eviction (eviction.go) spends. Eviction itself
// is registered by the scheme as a request-only type.
func policyGroup() Group {
	gv := policyv1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: policyv1.AddToScheme, Kinds: []*Resource{
		kind(gv, "poddisruptionbudgets", &policyv1.PodDisruptionBudget{}, &policyv1.PodDisruptionBudgetList{}).short("pdb").
			sub("status").
			rules(v.For(v.ValidatePodDisruptionBudget, v.ValidatePodDisruptionBudgetUpdate, v.ValidatePodDisruptionBudgetStatusUpdate)).
			columns(printers.PodDisruptionBudgets()),
	}}
}

// schedulingGroup serves PriorityClasses; the Priority admission plugin
// resolves pods' priorityClassName against them.
func schedulingGroup() Group {
	gv := schedulingv1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: schedulingv1.AddToScheme, Kinds: []*Resource{
		kind(gv, "priorityclasses", &schedulingv1.PriorityClass{}, &schedulingv1.PriorityClassList{}).cluster().short("pc").
			defaulting(typed(defaults.PriorityClass)).
			rules(v.For(v.ValidatePriorityClass, v.ValidatePriorityClassUpdate, nil)).
			columns(printers.PriorityClasses()),
	}}
}
