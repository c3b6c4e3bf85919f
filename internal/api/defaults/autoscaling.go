package defaults

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// Kubernetes' HPA defaults.
const (
	defaultHPACPUUtilization = 80
	scaleUpPodsPerPeriod     = 4
	scalePercentPerPeriod    = 100
	scalePolicyPeriodSeconds = 15
	scaleUpStabilizationSecs = 0
)

// HorizontalPodAutoscaler defaults minReplicas to 1, the metrics to 80 %
// average CPU utilization, and a given behavior's missing parts to
// Kubernetes' default rules (scale-down's stabilization window stays unset:
// the controller's 300 s default applies).
func HorizontalPodAutoscaler(h *autoscalingv2.HorizontalPodAutoscaler) {
	if h.Spec.MinReplicas == nil {
		h.Spec.MinReplicas = ptr.To[int32](1)
	}
	if len(h.Spec.Metrics) == 0 {
		h.Spec.Metrics = []autoscalingv2.MetricSpec{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{
				Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](defaultHPACPUUtilization),
			}},
		}}
	}
	if b := h.Spec.Behavior; b != nil {
		b.ScaleUp = scalingRules(b.ScaleUp, HPAScaleUpRules())
		b.ScaleDown = scalingRules(b.ScaleDown, HPAScaleDownRules())
	}
}

// HPAScaleUpRules are the rules of an HPA without behavior when it scales
// up: no stabilization, the larger of 4 pods or 100 % per 15 s.
func HPAScaleUpRules() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptr.To[int32](scaleUpStabilizationSecs),
		SelectPolicy:               ptr.To(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: scaleUpPodsPerPeriod, PeriodSeconds: scalePolicyPeriodSeconds},
			{Type: autoscalingv2.PercentScalingPolicy, Value: scalePercentPerPeriod, PeriodSeconds: scalePolicyPeriodSeconds},
		},
	}
}

// HPAScaleDownRules are the rules when it scales down: 100 % per 15 s,
// the window left to the controller's default.
func HPAScaleDownRules() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		SelectPolicy: ptr.To(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PercentScalingPolicy, Value: scalePercentPerPeriod, PeriodSeconds: scalePolicyPeriodSeconds},
		},
	}
}

// scalingRules fills what r leaves out from def.
func scalingRules(r, def *autoscalingv2.HPAScalingRules) *autoscalingv2.HPAScalingRules {
	if r == nil {
		return def
	}
	if r.StabilizationWindowSeconds == nil {
		r.StabilizationWindowSeconds = def.StabilizationWindowSeconds
	}
	if r.SelectPolicy == nil {
		r.SelectPolicy = def.SelectPolicy
	}
	if len(r.Policies) == 0 {
		r.Policies = def.Policies
	}
	return r
}
