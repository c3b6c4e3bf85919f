package validation

import (
	"math"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// podUpdateForbiddenMsg is Kubernetes' wording for a pod spec change outside
// the few fields a running pod can take.
const podUpdateForbiddenMsg = "pod updates may not change fields other than `spec.containers[*].image`," +
	"`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

// ValidatePodUpdate validates pod replacing old. A pod's spec is fixed once
// created except for container images, a shrinking activeDeadlineSeconds,
// added tolerations, removed scheduling gates and the grace period while the
// pod is being deleted; anything else is Kubernetes' spec Forbidden error.
func ValidatePodUpdate(pod, old *corev1.Pod) field.ErrorList {
	errs := validateMetaUpdate(&pod.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, validatePodBody(pod)...)
	specPath := field.NewPath("spec")
	if len(pod.Spec.Containers) != len(old.Spec.Containers) {
		return append(errs, field.Forbidden(specPath.Child("containers"), "pod updates may not add or remove containers"))
	}
	if len(pod.Spec.InitContainers) != len(old.Spec.InitContainers) {
		return append(errs, field.Forbidden(specPath.Child("initContainers"), "pod updates may not add or remove containers"))
	}
	if e := validateDeadlineUpdate(pod.Spec.ActiveDeadlineSeconds, old.Spec.ActiveDeadlineSeconds, specPath.Child("activeDeadlineSeconds")); len(e) > 0 {
		return append(errs, e...)
	}
	errs = append(errs, validateOnlyAddedTolerations(pod.Spec.Tolerations, old.Spec.Tolerations, specPath.Child("tolerations"))...)
	errs = append(errs, validateOnlyRemovedGates(pod.Spec.SchedulingGates, old.Spec.SchedulingGates, specPath.Child("schedulingGates"))...)
	if !equality.Semantic.DeepEqual(mungePodSpec(pod, old), old.Spec) {
		errs = append(errs, field.Forbidden(specPath, podUpdateForbiddenMsg))
	}
	return errs
}

// mungePodSpec returns pod's spec with every field a pod update may change
// reset to old's value, so what remains must equal old's spec.
func mungePodSpec(pod, old *corev1.Pod) corev1.PodSpec {
	s := pod.Spec.DeepCopy()
	for i := range s.Containers {
		s.Containers[i].Image = old.Spec.Containers[i].Image
	}
	for i := range s.InitContainers {
		s.InitContainers[i].Image = old.Spec.InitContainers[i].Image
	}
	s.ActiveDeadlineSeconds = old.Spec.ActiveDeadlineSeconds
	s.Tolerations = old.Spec.Tolerations
	s.SchedulingGates = old.Spec.SchedulingGates
	wasNegative := old.Spec.TerminationGracePeriodSeconds != nil && *old.Spec.TerminationGracePeriodSeconds < 0
	toOne := s.TerminationGracePeriodSeconds != nil && *s.TerminationGracePeriodSeconds == 1
	deleting := pod.DeletionTimestamp != nil || old.DeletionTimestamp != nil
	if (wasNegative && toOne) || deleting {
		s.TerminationGracePeriodSeconds = old.Spec.TerminationGracePeriodSeconds
	}
	return *s
}

// validateDeadlineUpdate allows activeDeadlineSeconds to be set from nil or
// lowered, never raised or removed, as Kubernetes does.
func validateDeadlineUpdate(v, old *int64, p *field.Path) field.ErrorList {
	if v == nil {
		if old != nil {
			return field.ErrorList{field.Invalid(p, v, "must not update from a positive integer to a nil value")}
		}
		return nil
	}
	if *v < 0 || *v > math.MaxInt32 {
		return field.ErrorList{field.Invalid(p, *v, utilvalidation.InclusiveRangeError(0, math.MaxInt32))}
	}
	if old != nil && *old < *v {
		return field.ErrorList{field.Invalid(p, *v, "must be less than or equal to previous value")}
	}
	return nil
}

// validateOnlyAddedTolerations requires every old toleration to survive,
// changed at most in tolerationSeconds.
func validateOnlyAddedTolerations(ts, old []corev1.Toleration, p *field.Path) field.ErrorList {
	for _, o := range old {
		found := false
		for _, t := range ts {
			c := o
			c.TolerationSeconds = t.TolerationSeconds
			if reflect.DeepEqual(c, t) {
				found = true
				break
			}
		}
		if !found {
			return field.ErrorList{field.Forbidden(p, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return nil
}

// validateOnlyRemovedGates lets scheduling gates be removed but not added.
func validateOnlyRemovedGates(gates, old []corev1.PodSchedulingGate, p *field.Path) field.ErrorList {
	had := sets.New[string]()
	for _, g := range old {
		had.Insert(g.Name)
	}
	var errs field.ErrorList
	for i, g := range gates {
		if !had.Has(g.Name) {
			errs = append(errs, field.Forbidden(p.Index(i), "only deletion is allowed, but found new scheduling gate '"+g.Name+"'"))
		}
	}
	return errs
}
