package validation

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var supportedDeploymentStrategies = []appsv1.DeploymentStrategyType{appsv1.RecreateDeploymentStrategyType, appsv1.RollingUpdateDeploymentStrategyType}

// ValidateDeployment validates a new Deployment.
func ValidateDeployment(d *appsv1.Deployment) field.ErrorList {
	errs := validateMeta(&d.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, ValidateDeploymentSpec(&d.Spec, field.NewPath("spec"))...)
}

// ValidateDeploymentSpec validates counts, the selector/template pairing and
// the rollout strategy.
func ValidateDeploymentSpec(s *appsv1.DeploymentSpec, p *field.Path) field.ErrorList {
	errs := nonNegative32(s.Replicas, p.Child("replicas"))
	errs = append(errs, validateWorkloadSelector(s.Selector, s.Template.Labels, "deployment", p)...)
	errs = append(errs, validateLongRunningTemplate(&s.Template, p.Child("template"), "Deployment")...)
	errs = append(errs, validateDeploymentStrategy(&s.Strategy, p.Child("strategy"))...)
	errs = append(errs, nonNegative(int64(s.MinReadySeconds), p.Child("minReadySeconds"))...)
	errs = append(errs, nonNegative32(s.RevisionHistoryLimit, p.Child("revisionHistoryLimit"))...)
	if pd := s.ProgressDeadlineSeconds; pd != nil {
		pp := p.Child("progressDeadlineSeconds")
		errs = append(errs, nonNegative(int64(*pd), pp)...)
		if *pd <= s.MinReadySeconds {
			errs = append(errs, field.Invalid(pp, *pd, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func validateDeploymentStrategy(st *appsv1.DeploymentStrategy, p *field.Path) field.ErrorList {
	switch st.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if st.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(p.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
		return nil
	case appsv1.RollingUpdateDeploymentStrategyType:
		if st.RollingUpdate == nil {
			return nil
		}
		return validateRollingUpdate(st.RollingUpdate, p.Child("rollingUpdate"))
	case "":
		return field.ErrorList{field.Required(p.Child("type"), "")}
	}
	return field.ErrorList{field.NotSupported(p.Child("type"), st.Type, supportedDeploymentStrategies)}
}

// validateRollingUpdate: both bounds non-negative, percentages at most
// 100%, and not both zero, which would stall the rollout.
func validateRollingUpdate(ru *appsv1.RollingUpdateDeployment, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	mu, ms := intstr.FromInt32(0), intstr.FromInt32(0)
	if ru.MaxUnavailable != nil {
		mu = *ru.MaxUnavailable
		errs = append(errs, validateIntOrPercent(mu, p.Child("maxUnavailable"))...)
		if mu.Type == intstr.String && getIntOrPercentValue(mu) > 100 {
			errs = append(errs, field.Invalid(p.Child("maxUnavailable"), mu, "must not be greater than 100%"))
		}
	}
	if ru.MaxSurge != nil {
		ms = *ru.MaxSurge
		errs = append(errs, validateIntOrPercent(ms, p.Child("maxSurge"))...)
	}
	if getIntOrPercentValue(mu) == 0 && getIntOrPercentValue(ms) == 0 {
		errs = append(errs, field.Invalid(p.Child("maxUnavailable"), mu, "may not be 0 when `maxSurge` is 0"))
	}
	return errs
}

// validateIntOrPercent accepts a non-negative integer or "N%".
func validateIntOrPercent(v intstr.IntOrString, p *field.Path) field.ErrorList {
	if v.Type == intstr.String {
		if msgs := utilvalidation.IsValidPercent(v.StrVal); len(msgs) > 0 {
			return msgsToErrs(msgs, v, p)
		}
	}
	return nonNegative(int64(getIntOrPercentValue(v)), p)
}

func getIntOrPercentValue(v intstr.IntOrString) int {
	if v.Type == intstr.String {
		n, _ := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
		return n
	}
	return v.IntValue()
}

// ValidateDeploymentUpdate validates d replacing old; apps/v1 selectors are
// immutable, since changing one would orphan the existing ReplicaSets.
func ValidateDeploymentUpdate(d, old *appsv1.Deployment) field.ErrorList {
	errs := validateMetaUpdate(&d.ObjectMeta, &old.ObjectMeta)
	p := field.NewPath("spec")
	errs = append(errs, ValidateDeploymentSpec(&d.Spec, p)...)
	return append(errs, immutable(d.Spec.Selector, old.Spec.Selector, p.Child("selector"))...)
}

// ValidateReplicaSet validates a new ReplicaSet.
func ValidateReplicaSet(rs *appsv1.ReplicaSet) field.ErrorList {
	errs := validateMeta(&rs.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, ValidateReplicaSetSpec(&rs.Spec, field.NewPath("spec"))...)
}

// ValidateReplicaSetSpec validates counts and the selector/template pairing.
func ValidateReplicaSetSpec(s *appsv1.ReplicaSetSpec, p *field.Path) field.ErrorList {
	errs := nonNegative32(s.Replicas, p.Child("replicas"))
	errs = append(errs, nonNegative(int64(s.MinReadySeconds), p.Child("minReadySeconds"))...)
	// Kubernetes says "deployment" in the empty-selector message for
	// ReplicaSets too; kept for identical wording.
	errs = append(errs, validateWorkloadSelector(s.Selector, s.Template.Labels, "deployment", p)...)
	return append(errs, validateLongRunningTemplate(&s.Template, p.Child("template"), "ReplicaSet")...)
}

// ValidateReplicaSetUpdate validates rs replacing old; the selector is fixed.
func ValidateReplicaSetUpdate(rs, old *appsv1.ReplicaSet) field.ErrorList {
	errs := validateMetaUpdate(&rs.ObjectMeta, &old.ObjectMeta)
	p := field.NewPath("spec")
	errs = append(errs, ValidateReplicaSetSpec(&rs.Spec, p)...)
	return append(errs, immutable(rs.Spec.Selector, old.Spec.Selector, p.Child("selector"))...)
}

// validateReplicaCounts checks a workload status: every counter is
// non-negative and none exceeds status.replicas, with Kubernetes' wording.
func validateReplicaCounts(p *field.Path, observedGeneration int64, replicas int32, counts map[string]int32) field.ErrorList {
	errs := nonNegative(observedGeneration, p.Child("observedGeneration"))
	errs = append(errs, nonNegative(int64(replicas), p.Child("replicas"))...)
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := counts[n]
		errs = append(errs, nonNegative(int64(v), p.Child(n))...)
		if v > replicas {
			errs = append(errs, field.Invalid(p.Child(n), v, fmt.Sprintf("cannot be greater than %s", p.Child("replicas"))))
		}
	}
	return errs
}

// ValidateDeploymentStatusUpdate validates a write to deployments/status.
func ValidateDeploymentStatusUpdate(d, old *appsv1.Deployment) field.ErrorList {
	errs := validateMetaUpdate(&d.ObjectMeta, &old.ObjectMeta)
	st := &d.Status
	errs = append(errs, validateReplicaCounts(field.NewPath("status"), st.ObservedGeneration, st.Replicas,
		map[string]int32{"readyReplicas": st.ReadyReplicas, "availableReplicas": st.AvailableReplicas})...)
	errs = append(errs, nonNegative(int64(st.UpdatedReplicas), field.NewPath("status", "updatedReplicas"))...)
	return append(errs, nonNegative(int64(st.UnavailableReplicas), field.NewPath("status", "unavailableReplicas"))...)
}

// ValidateReplicaSetStatusUpdate validates a write to replicasets/status.
func ValidateReplicaSetStatusUpdate(rs, old *appsv1.ReplicaSet) field.ErrorList {
	errs := validateMetaUpdate(&rs.ObjectMeta, &old.ObjectMeta)
	st := &rs.Status
	return append(errs, validateReplicaCounts(field.NewPath("status"), st.ObservedGeneration, st.Replicas,
		map[string]int32{"fullyLabeledReplicas": st.FullyLabeledReplicas, "readyReplicas": st.ReadyReplicas,
			"availableReplicas": st.AvailableReplicas})...)
}

// ValidateControllerRevision validates a new ControllerRevision: it must
// carry data and a non-negative revision number.
func ValidateControllerRevision(r *appsv1.ControllerRevision) field.ErrorList {
	errs := validateMeta(&r.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	if r.Data.Raw == nil && r.Data.Object == nil {
		errs = append(errs, field.Required(field.NewPath("data"), "data is mandatory"))
	}
	return append(errs, nonNegative(r.Revision, field.NewPath("revision"))...)
}

// ValidateControllerRevisionUpdate validates r replacing old: the recorded
// data is a snapshot and never changes; the revision number may.
func ValidateControllerRevisionUpdate(r, old *appsv1.ControllerRevision) field.ErrorList {
	errs := validateMetaUpdate(&r.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, nonNegative(r.Revision, field.NewPath("revision"))...)
	return append(errs, immutable(r.Data, old.Data, field.NewPath("data"))...)
}
