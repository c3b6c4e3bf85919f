package printers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var (
	podDisruptionBudgets = schema.GroupResource{Group: "policy", Resource: "poddisruptionbudgets"}
	priorityClasses      = schema.GroupResource{Group: "scheduling.k8s.io", Resource: "priorityclasses"}
)

func TestPodDisruptionBudgets(t *testing.T) {
	assertColumns(t, podDisruptionBudgets, &policyv1.PodDisruptionBudget{}, columnSet{
		normal: []string{"Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"},
	})
	min := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: ago(3 * day)},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(intstr.FromInt32(2))},
		Status:     policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1},
	}
	assertCells(t, podDisruptionBudgets, min, "web", "2", "N/A", int64(1), "3d")
	max := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "db", CreationTimestamp: ago(3 * day)},
		Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(intstr.FromString("25%"))},
	}
	assertCells(t, podDisruptionBudgets, max, "db", "N/A", "25%", int64(0), "3d")
}

func TestPriorityClasses(t *testing.T) {
	assertColumns(t, priorityClasses, &schedulingv1.PriorityClass{}, columnSet{
		normal: []string{"Name", "Value", "Global-Default", "Age", "PreemptionPolicy"},
	})
	pc := &schedulingv1.PriorityClass{
		ObjectMeta:       metav1.ObjectMeta{Name: "high", CreationTimestamp: ago(10 * day)},
		Value:            1000,
		GlobalDefault:    true,
		PreemptionPolicy: ptr(corev1.PreemptNever),
	}
	assertCells(t, priorityClasses, pc, "high", int64(1000), true, "10d", "Never")
	bare := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "low", CreationTimestamp: ago(10 * day)}, Value: -5}
	assertCells(t, priorityClasses, bare, "low", int64(-5), false, "10d", "")
}
