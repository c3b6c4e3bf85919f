package validation

import (
	policyv1 "k8s.io/api/policy/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var supportedUnhealthyPodEvictionPolicies = []policyv1.UnhealthyPodEvictionPolicyType{
	policyv1.AlwaysAllow, policyv1.IfHealthyBudget,
}

// ValidatePodDisruptionBudget validates a new PodDisruptionBudget as
// Kubernetes does: at most one of minAvailable and maxUnavailable, each a
// non-negative integer or a percentage up to 100%, a valid selector and a
// known unhealthyPodEvictionPolicy. (Kubernetes accepts a budget with
// neither bound; it then allows every eviction.)
func ValidatePodDisruptionBudget(pdb *policyv1.PodDisruptionBudget) field.ErrorList {
	errs := validateMeta(&pdb.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validatePodDisruptionBudgetSpec(&pdb.Spec, field.NewPath("spec"))...)
}

// ValidatePodDisruptionBudgetUpdate: the spec may change (since
// Kubernetes 1.15), under the create rules.
func ValidatePodDisruptionBudgetUpdate(pdb, old *policyv1.PodDisruptionBudget) field.ErrorList {
	errs := validateMetaUpdate(&pdb.ObjectMeta, &old.ObjectMeta)
	return append(errs, validatePodDisruptionBudgetSpec(&pdb.Spec, field.NewPath("spec"))...)
}

// ValidatePodDisruptionBudgetStatusUpdate requires non-negative counts and
// well-formed conditions.
func ValidatePodDisruptionBudgetStatusUpdate(pdb, old *policyv1.PodDisruptionBudget) field.ErrorList {
	errs := validateMetaUpdate(&pdb.ObjectMeta, &old.ObjectMeta)
	p := field.NewPath("status")
	s := pdb.Status
	errs = append(errs, nonNegative(int64(s.DisruptionsAllowed), p.Child("disruptionsAllowed"))...)
	errs = append(errs, nonNegative(int64(s.CurrentHealthy), p.Child("currentHealthy"))...)
	errs = append(errs, nonNegative(int64(s.DesiredHealthy), p.Child("desiredHealthy"))...)
	errs = append(errs, nonNegative(int64(s.ExpectedPods), p.Child("expectedPods"))...)
	return append(errs, metavalidation.ValidateConditions(s.Conditions, p.Child("conditions"))...)
}

func validatePodDisruptionBudgetSpec(s *policyv1.PodDisruptionBudgetSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.MinAvailable != nil && s.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(p, s, "minAvailable and maxUnavailable cannot be both set"))
	}
	errs = append(errs, validateBudgetBound(s.MinAvailable, p.Child("minAvailable"))...)
	errs = append(errs, validateBudgetBound(s.MaxUnavailable, p.Child("maxUnavailable"))...)
	errs = append(errs, metavalidation.ValidateLabelSelector(s.Selector, selectorOpts, p.Child("selector"))...)
	if pol := s.UnhealthyPodEvictionPolicy; pol != nil && *pol != policyv1.AlwaysAllow && *pol != policyv1.IfHealthyBudget {
		errs = append(errs, field.NotSupported(p.Child("unhealthyPodEvictionPolicy"), *pol, supportedUnhealthyPodEvictionPolicies))
	}
	return errs
}

// validateBudgetBound checks minAvailable or maxUnavailable when set.
func validateBudgetBound(v *intstr.IntOrString, p *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	errs := validateIntOrPercent(*v, p)
	if v.Type == intstr.String && getIntOrPercentValue(*v) > 100 {
		errs = append(errs, field.Invalid(p, *v, "must not be greater than 100%"))
	}
	return errs
}
