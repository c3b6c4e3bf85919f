package validation

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var supportedDaemonSetStrategies = []appsv1.DaemonSetUpdateStrategyType{appsv1.RollingUpdateDaemonSetStrategyType, appsv1.OnDeleteDaemonSetStrategyType}

// ValidateDaemonSet validates a new DaemonSet.
func ValidateDaemonSet(ds *appsv1.DaemonSet) field.ErrorList {
	errs := validateMeta(&ds.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, ValidateDaemonSetSpec(&ds.Spec, field.NewPath("spec"))...)
}

// ValidateDaemonSetSpec validates a DaemonSet spec as Kubernetes does: a
// non-empty selector matching the template, pods that restart Always and
// have no deadline, non-negative counts and the update strategy.
func ValidateDaemonSetSpec(s *appsv1.DaemonSetSpec, p *field.Path) field.ErrorList {
	errs := validateWorkloadSelector(s.Selector, s.Template.Labels, "daemonset", p)
	tp := p.Child("template")
	errs = append(errs, ValidatePodTemplateSpec(&s.Template, tp)...)
	if s.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), s.Template.Spec.RestartPolicy, []corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if ad := s.Template.Spec.ActiveDeadlineSeconds; ad != nil {
		errs = append(errs, field.Invalid(tp.Child("spec", "activeDeadlineSeconds"), *ad, "activeDeadlineSeconds in DaemonSet is not Supported"))
	}
	errs = append(errs, nonNegative(int64(s.MinReadySeconds), p.Child("minReadySeconds"))...)
	errs = append(errs, validateDaemonSetStrategy(&s.UpdateStrategy, p.Child("updateStrategy"))...)
	return append(errs, nonNegative32(s.RevisionHistoryLimit, p.Child("revisionHistoryLimit"))...)
}

func validateDaemonSetStrategy(st *appsv1.DaemonSetUpdateStrategy, p *field.Path) field.ErrorList {
	switch st.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
		return nil
	case appsv1.RollingUpdateDaemonSetStrategyType:
		if st.RollingUpdate == nil {
			return field.ErrorList{field.Required(p.Child("rollingUpdate"), "")}
		}
		return validateRollingUpdateDaemonSet(st.RollingUpdate, p.Child("rollingUpdate"))
	}
	return field.ErrorList{field.NotSupported(p, st, supportedDaemonSetStrategies)}
}

// validateRollingUpdateDaemonSet: both bounds non-negative integers or
// percentages of at most 100%, and exactly one of them non-zero (a surge
// and an unavailability budget at once is not a strategy Kubernetes has).
func validateRollingUpdateDaemonSet(ru *appsv1.RollingUpdateDaemonSet, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	mu, ms := intstr.FromInt32(0), intstr.FromInt32(0)
	if ru.MaxUnavailable != nil {
		mu = *ru.MaxUnavailable
	}
	if ru.MaxSurge != nil {
		ms = *ru.MaxSurge
	}
	for _, b := range []struct {
		v    intstr.IntOrString
		path *field.Path
	}{{mu, p.Child("maxUnavailable")}, {ms, p.Child("maxSurge")}} {
		errs = append(errs, validateIntOrPercent(b.v, b.path)...)
		if b.v.Type == intstr.String && getIntOrPercentValue(b.v) > 100 {
			errs = append(errs, field.Invalid(b.path, b.v, "must not be greater than 100%"))
		}
	}
	hasUnavailable, hasSurge := getIntOrPercentValue(mu) != 0, getIntOrPercentValue(ms) != 0
	switch {
	case hasUnavailable && hasSurge:
		errs = append(errs, field.Invalid(p.Child("maxSurge"), ms, "may not be set when maxUnavailable is non-zero"))
	case !hasUnavailable && !hasSurge:
		errs = append(errs, field.Required(p.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
	}
	return errs
}

// ValidateDaemonSetUpdate validates ds replacing old; the selector is fixed.
func ValidateDaemonSetUpdate(ds, old *appsv1.DaemonSet) field.ErrorList {
	errs := validateMetaUpdate(&ds.ObjectMeta, &old.ObjectMeta)
	p := field.NewPath("spec")
	errs = append(errs, ValidateDaemonSetSpec(&ds.Spec, p)...)
	return append(errs, immutable(ds.Spec.Selector, old.Spec.Selector, p.Child("selector"))...)
}

// ValidateDaemonSetStatusUpdate validates a write to daemonsets/status:
// every counter is non-negative, and the collision count never goes down.
func ValidateDaemonSetStatusUpdate(ds, old *appsv1.DaemonSet) field.ErrorList {
	errs := validateMetaUpdate(&ds.ObjectMeta, &old.ObjectMeta)
	st, p := &ds.Status, field.NewPath("status")
	for _, c := range []struct {
		name string
		v    int64
	}{
		{"currentNumberScheduled", int64(st.CurrentNumberScheduled)},
		{"numberMisscheduled", int64(st.NumberMisscheduled)},
		{"desiredNumberScheduled", int64(st.DesiredNumberScheduled)},
		{"numberReady", int64(st.NumberReady)},
		{"observedGeneration", st.ObservedGeneration},
		{"updatedNumberScheduled", int64(st.UpdatedNumberScheduled)},
		{"numberAvailable", int64(st.NumberAvailable)},
		{"numberUnavailable", int64(st.NumberUnavailable)},
	} {
		errs = append(errs, nonNegative(c.v, p.Child(c.name))...)
	}
	errs = append(errs, nonNegative32(st.CollisionCount, p.Child("collisionCount"))...)
	if st.CollisionCount != nil && old.Status.CollisionCount != nil && *st.CollisionCount < *old.Status.CollisionCount {
		errs = append(errs, field.Invalid(p.Child("collisionCount"), *st.CollisionCount, "cannot be decremented"))
	}
	return errs
}
