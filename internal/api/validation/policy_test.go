package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func validPDB() *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{ObjectMeta: objMeta("web"), Spec: policyv1.PodDisruptionBudgetSpec{
		MinAvailable: ptr.To(intstr.FromInt32(2)),
		Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
	}}
}

func TestPodDisruptionBudget(t *testing.T) {
	expectErrs(t, ValidatePodDisruptionBudget(validPDB()))
	neither := validPDB()
	neither.Spec.MinAvailable = nil
	expectErrs(t, ValidatePodDisruptionBudget(neither))
	percent := validPDB()
	percent.Spec.MinAvailable = nil
	percent.Spec.MaxUnavailable = ptr.To(intstr.FromString("100%"))
	percent.Spec.UnhealthyPodEvictionPolicy = ptr.To(policyv1.AlwaysAllow)
	expectErrs(t, ValidatePodDisruptionBudget(percent))

	both := validPDB()
	both.Spec.MaxUnavailable = ptr.To(intstr.FromInt32(1))
	expectErrs(t, ValidatePodDisruptionBudget(both), inv("spec"))

	bad := validPDB()
	bad.Spec.MinAvailable = ptr.To(intstr.FromInt32(-1))
	bad.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}}
	bad.Spec.UnhealthyPodEvictionPolicy = ptr.To(policyv1.UnhealthyPodEvictionPolicyType("Sometimes"))
	expectErrs(t, ValidatePodDisruptionBudget(bad), inv("spec.minAvailable"),
		inv("spec.selector.matchExpressions[0].operator"), notSup("spec.unhealthyPodEvictionPolicy"))

	pct := validPDB()
	pct.Spec.MinAvailable = nil
	pct.Spec.MaxUnavailable = ptr.To(intstr.FromString("150%"))
	expectErrs(t, ValidatePodDisruptionBudget(pct), inv("spec.maxUnavailable"))
	notPct := validPDB()
	notPct.Spec.MinAvailable = ptr.To(intstr.FromString("half"))
	expectErrs(t, ValidatePodDisruptionBudget(notPct), inv("spec.minAvailable"))

	old := validPDB()
	rv(&old.ObjectMeta)
	upd := old.DeepCopy()
	upd.Spec.MinAvailable = ptr.To(intstr.FromInt32(1))
	expectErrs(t, ValidatePodDisruptionBudgetUpdate(upd, old))

	st := old.DeepCopy()
	st.Status = policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: -1, ExpectedPods: 2,
		Conditions: []metav1.Condition{{Type: policyv1.DisruptionAllowedCondition, Status: "Maybe", Reason: policyv1.SufficientPodsReason}}}
	expectErrs(t, ValidatePodDisruptionBudgetStatusUpdate(st, old), inv("status.disruptionsAllowed"),
		notSup("status.conditions[0].status"), req("status.conditions[0].lastTransitionTime"))
}

func TestPriorityClass(t *testing.T) {
	pc := func(name string, value int32) *schedulingv1.PriorityClass {
		return &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value,
			PreemptionPolicy: ptr.To(corev1.PreemptLowerPriority)}
	}
	expectErrs(t, ValidatePriorityClass(pc("high", HighestUserDefinablePriority)))
	expectErrs(t, ValidatePriorityClass(pc("too-high", HighestUserDefinablePriority+1)), forbidden("value"))
	for _, sys := range SystemPriorityClasses() {
		expectErrs(t, ValidatePriorityClass(sys))
	}
	expectErrs(t, ValidatePriorityClass(pc("system-mine", 10)), forbidden("metadata.name"))
	expectErrs(t, ValidatePriorityClass(pc(SystemNodeCritical, 10)), forbidden("metadata.name"))
	def := pc(SystemClusterCritical, SystemCriticalPriority)
	def.GlobalDefault = true
	expectErrs(t, ValidatePriorityClass(def), forbidden("metadata.name"))
	badPolicy := pc("odd", 1)
	badPolicy.PreemptionPolicy = ptr.To(corev1.PreemptionPolicy("Sometimes"))
	expectErrs(t, ValidatePriorityClass(badPolicy), notSup("preemptionPolicy"))
	ns := pc("ns", 1)
	ns.Namespace = "default"
	expectErrs(t, ValidatePriorityClass(ns), forbidden("metadata.namespace"))

	old := pc("high", 100)
	rv(&old.ObjectMeta)
	upd := old.DeepCopy()
	upd.Value = 200
	upd.PreemptionPolicy = ptr.To(corev1.PreemptNever)
	expectErrs(t, ValidatePriorityClassUpdate(upd, old), forbidden("value"), inv("preemptionPolicy"))
	desc := old.DeepCopy()
	desc.Description = "changed"
	desc.GlobalDefault = true
	expectErrs(t, ValidatePriorityClassUpdate(desc, old))
}
