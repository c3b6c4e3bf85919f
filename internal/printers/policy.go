package printers

import (
	"time"

	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// notApplicable is what Kubernetes prints for the budget bound not set.
const notApplicable = "N/A"

// PodDisruptionBudgets prints NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED
// DISRUPTIONS AGE.
func PodDisruptionBudgets() Printer {
	return printer[policyv1.PodDisruptionBudget]{
		columns: columns(
			nameColumn(),
			column("Min Available", "string", "The minimum number of pods that must be available"),
			column("Max Unavailable", "string", "The maximum number of pods that may be unavailable"),
			column("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time"),
			ageColumn(),
		),
		cells: podDisruptionBudgetCells,
	}
}

func podDisruptionBudgetCells(pdb *policyv1.PodDisruptionBudget, now time.Time) ([]any, error) {
	return []any{
		pdb.Name,
		budgetBound(pdb.Spec.MinAvailable),
		budgetBound(pdb.Spec.MaxUnavailable),
		int64(pdb.Status.DisruptionsAllowed),
		age(pdb.CreationTimestamp, now),
	}, nil
}

func budgetBound(v *intstr.IntOrString) string {
	if v == nil {
		return notApplicable
	}
	return v.String()
}

// PriorityClasses prints NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY.
func PriorityClasses() Printer {
	doc := schedulingv1.PriorityClass{}.SwaggerDoc()
	return printer[schedulingv1.PriorityClass]{
		columns: columns(
			nameColumn(),
			column("Value", "integer", doc["value"]),
			column("Global-Default", "boolean", doc["globalDefault"]),
			ageColumn(),
			column("PreemptionPolicy", "string", doc["preemptionPolicy"]),
		),
		cells: priorityClassCells,
	}
}

func priorityClassCells(pc *schedulingv1.PriorityClass, now time.Time) ([]any, error) {
	policy := ""
	if pc.PreemptionPolicy != nil {
		policy = string(*pc.PreemptionPolicy)
	}
	return []any{pc.Name, int64(pc.Value), pc.GlobalDefault, age(pc.CreationTimestamp, now), policy}, nil
}
