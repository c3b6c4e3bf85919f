package validation

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	pathvalidation "k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// HPA limits from Kubernetes.
const (
	maxStabilizationWindowSeconds = 3600
	maxPeriodSeconds              = 1800
)

var (
	hpaMetricTypes = []autoscalingv2.MetricSourceType{autoscalingv2.ObjectMetricSourceType, autoscalingv2.PodsMetricSourceType,
		autoscalingv2.ResourceMetricSourceType, autoscalingv2.ExternalMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType}
	hpaTargetTypes   = []autoscalingv2.MetricTargetType{autoscalingv2.UtilizationMetricType, autoscalingv2.ValueMetricType, autoscalingv2.AverageValueMetricType}
	hpaSelectPolicy  = []autoscalingv2.ScalingPolicySelect{autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect, autoscalingv2.DisabledPolicySelect}
	hpaPolicyTypes   = []autoscalingv2.HPAScalingPolicyType{autoscalingv2.PodsScalingPolicy, autoscalingv2.PercentScalingPolicy}
	hpaMetricSources = map[autoscalingv2.MetricSourceType]string{
		autoscalingv2.ObjectMetricSourceType: "object", autoscalingv2.PodsMetricSourceType: "pods",
		autoscalingv2.ResourceMetricSourceType: "resource", autoscalingv2.ExternalMetricSourceType: "external",
		autoscalingv2.ContainerResourceMetricSourceType: "containerResource",
	}
)

// ValidateHorizontalPodAutoscaler validates a new HPA: its target, replica
// bounds, metrics and scaling behavior.
func ValidateHorizontalPodAutoscaler(h *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	errs := validateMeta(&h.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateHPASpec(&h.Spec, specPath)...)
}

func validateHPASpec(s *autoscalingv2.HorizontalPodAutoscalerSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.MinReplicas != nil && *s.MinReplicas < 1 {
		errs = append(errs, field.Invalid(p.Child("minReplicas"), *s.MinReplicas, "must be greater than or equal to 1"))
	}
	if s.MaxReplicas < 1 {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), s.MaxReplicas, "must be greater than 0"))
	}
	if s.MinReplicas != nil && s.MaxReplicas < *s.MinReplicas {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), s.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	ref, rp := s.ScaleTargetRef, p.Child("scaleTargetRef")
	if ref.Kind == "" {
		errs = append(errs, field.Required(rp.Child("kind"), ""))
	}
	if ref.Name == "" {
		errs = append(errs, field.Required(rp.Child("name"), ""))
	} else {
		errs = append(errs, msgsToErrs(pathvalidation.IsValidPathSegmentName(ref.Name), ref.Name, rp.Child("name"))...)
	}
	for i, m := range s.Metrics {
		errs = append(errs, validateHPAMetric(m, p.Child("metrics").Index(i))...)
	}
	if b := s.Behavior; b != nil {
		errs = append(errs, validateHPARules(b.ScaleUp, p.Child("behavior", "scaleUp"))...)
		errs = append(errs, validateHPARules(b.ScaleDown, p.Child("behavior", "scaleDown"))...)
	}
	return errs
}

// validateHPAMetric requires the metric's type and exactly the source
// that type names, with a well-formed target.
func validateHPAMetric(m autoscalingv2.MetricSpec, p *field.Path) field.ErrorList {
	if m.Type == "" {
		return field.ErrorList{field.Required(p.Child("type"), "must specify a metric source type")}
	}
	if _, ok := hpaMetricSources[m.Type]; !ok {
		return field.ErrorList{field.NotSupported(p.Child("type"), m.Type, hpaMetricTypes)}
	}
	set := map[autoscalingv2.MetricSourceType]bool{
		autoscalingv2.ObjectMetricSourceType: m.Object != nil, autoscalingv2.PodsMetricSourceType: m.Pods != nil,
		autoscalingv2.ResourceMetricSourceType: m.Resource != nil, autoscalingv2.ExternalMetricSourceType: m.External != nil,
		autoscalingv2.ContainerResourceMetricSourceType: m.ContainerResource != nil,
	}
	var errs field.ErrorList
	for t, isSet := range set {
		if isSet && t != m.Type {
			errs = append(errs, field.Forbidden(p.Child(hpaMetricSources[t]), "must populate the given metric source only"))
		}
	}
	if !set[m.Type] {
		return append(errs, field.Required(p.Child(hpaMetricSources[m.Type]), "must populate information for the given metric source"))
	}
	switch m.Type {
	case autoscalingv2.ResourceMetricSourceType:
		errs = append(errs, validateHPAResource(string(m.Resource.Name), m.Resource.Target, p.Child("resource"))...)
	case autoscalingv2.ContainerResourceMetricSourceType:
		errs = append(errs, validateHPAResource(string(m.ContainerResource.Name), m.ContainerResource.Target, p.Child("containerResource"))...)
		if m.ContainerResource.Container == "" {
			errs = append(errs, field.Required(p.Child("containerResource", "container"), "must populate container"))
		}
	case autoscalingv2.PodsMetricSourceType:
		errs = append(errs, validateHPATarget(m.Pods.Target, p.Child("pods", "target"))...)
	case autoscalingv2.ObjectMetricSourceType:
		errs = append(errs, validateHPATarget(m.Object.Target, p.Child("object", "target"))...)
	case autoscalingv2.ExternalMetricSourceType:
		errs = append(errs, validateHPATarget(m.External.Target, p.Child("external", "target"))...)
	}
	return errs
}

func validateHPAResource(name string, t autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), "must specify a resource name"))
	}
	if t.Type == autoscalingv2.ValueMetricType {
		errs = append(errs, field.Forbidden(p.Child("target", "type"), "may not set Value for a resource metric: use Utilization or AverageValue"))
	}
	return append(errs, validateHPATarget(t, p.Child("target"))...)
}

// validateHPATarget requires a known target type and a positive value of
// that type.
func validateHPATarget(t autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case t.Type == "":
		return field.ErrorList{field.Required(p.Child("type"), "must specify a metric target type")}
	case !oneOf(t.Type, hpaTargetTypes):
		return field.ErrorList{field.NotSupported(p.Child("type"), t.Type, hpaTargetTypes)}
	}
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		errs = append(errs, field.Invalid(p.Child("averageUtilization"), *t.AverageUtilization, "must be greater than 0"))
	}
	if t.Value != nil && t.Value.Sign() <= 0 {
		errs = append(errs, field.Invalid(p.Child("value"), t.Value.String(), "must be positive"))
	}
	if t.AverageValue != nil && t.AverageValue.Sign() <= 0 {
		errs = append(errs, field.Invalid(p.Child("averageValue"), t.AverageValue.String(), "must be positive"))
	}
	switch {
	case t.Type == autoscalingv2.UtilizationMetricType && t.AverageUtilization == nil:
		errs = append(errs, field.Required(p.Child("averageUtilization"), "must set averageUtilization when metric target type is Utilization"))
	case t.Type == autoscalingv2.ValueMetricType && t.Value == nil:
		errs = append(errs, field.Required(p.Child("value"), "must set value when metric target type is Value"))
	case t.Type == autoscalingv2.AverageValueMetricType && t.AverageValue == nil:
		errs = append(errs, field.Required(p.Child("averageValue"), "must set averageValue when metric target type is AverageValue"))
	}
	return errs
}

func validateHPARules(r *autoscalingv2.HPAScalingRules, p *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	var errs field.ErrorList
	if w := r.StabilizationWindowSeconds; w != nil && (*w < 0 || *w > maxStabilizationWindowSeconds) {
		errs = append(errs, field.Invalid(p.Child("stabilizationWindowSeconds"), *w, "must be less than or equal to 3600 and greater than or equal to 0"))
	}
	if r.SelectPolicy != nil && !oneOf(*r.SelectPolicy, hpaSelectPolicy) {
		errs = append(errs, field.NotSupported(p.Child("selectPolicy"), *r.SelectPolicy, hpaSelectPolicy))
	}
	if len(r.Policies) == 0 && (r.SelectPolicy == nil || *r.SelectPolicy != autoscalingv2.DisabledPolicySelect) {
		errs = append(errs, field.Required(p.Child("policies"), "must specify at least one Policy"))
	}
	for i, pol := range r.Policies {
		pp := p.Child("policies").Index(i)
		if !oneOf(pol.Type, hpaPolicyTypes) {
			errs = append(errs, field.NotSupported(pp.Child("type"), pol.Type, hpaPolicyTypes))
		}
		if pol.Value <= 0 {
			errs = append(errs, field.Invalid(pp.Child("value"), pol.Value, "must be greater than zero"))
		}
		if pol.PeriodSeconds <= 0 || pol.PeriodSeconds > maxPeriodSeconds {
			errs = append(errs, field.Invalid(pp.Child("periodSeconds"), pol.PeriodSeconds, "must be greater than zero and less than or equal to 1800"))
		}
	}
	return errs
}

// ValidateHorizontalPodAutoscalerUpdate validates an update; the whole
// spec may change.
func ValidateHorizontalPodAutoscalerUpdate(h, old *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	errs := validateMetaUpdate(&h.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateHPASpec(&h.Spec, specPath)...)
}

// ValidateHorizontalPodAutoscalerStatusUpdate checks the replica counts.
func ValidateHorizontalPodAutoscalerStatusUpdate(h, old *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	errs := validateMetaUpdate(&h.ObjectMeta, &old.ObjectMeta)
	sp := field.NewPath("status")
	errs = append(errs, nonNegative(int64(h.Status.CurrentReplicas), sp.Child("currentReplicas"))...)
	return append(errs, nonNegative(int64(h.Status.DesiredReplicas), sp.Child("desiredReplicas"))...)
}
