package scheme

import (
	"encoding/json"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
)

// autoscaling/v1 HorizontalPodAutoscalers are served from the autoscaling/v2
// storage, as in Kubernetes. v1 has one metric, spec's
// targetCPUUtilizationPercentage (status' currentCPUUtilizationPercentage);
// everything else v2 holds travels in v1 through Kubernetes' annotations, so
// that a v2 object read as v1 and written back keeps it:
//
//	autoscaling.alpha.kubernetes.io/metrics          the other spec metrics, []autoscaling/v1 MetricSpec
//	autoscaling.alpha.kubernetes.io/behavior         spec.behavior
//	autoscaling.alpha.kubernetes.io/current-metrics  every status metric, []autoscaling/v1 MetricStatus
//	autoscaling.alpha.kubernetes.io/conditions       status.conditions
//
// The annotations are written when converting to v1 and consumed (removed)
// when converting to v2: they are never stored. As in Kubernetes the cpu
// target comes back after the other metrics, and a malformed annotation is
// ignored. The behavior annotation holds v2's JSON (Kubernetes writes its
// internal type's Go field names; both decode, JSON names being matched
// case-insensitively).
const (
	hpaMetricsAnnotation        = "autoscaling.alpha.kubernetes.io/metrics"
	hpaBehaviorAnnotation       = "autoscaling.alpha.kubernetes.io/behavior"
	hpaCurrentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
	hpaConditionsAnnotation     = "autoscaling.alpha.kubernetes.io/conditions"
)

var hpaRoundTripAnnotations = []string{hpaMetricsAnnotation, hpaBehaviorAnnotation, hpaCurrentMetricsAnnotation, hpaConditionsAnnotation}

func addHPAV1Conversions(s *runtime.Scheme) error {
	conv := []struct {
		in, out any
		f       conversion.ConversionFunc
	}{
		{(*autoscalingv1.HorizontalPodAutoscaler)(nil), (*autoscalingv2.HorizontalPodAutoscaler)(nil), func(in, out any, _ conversion.Scope) error {
			return HPAV1ToV2(in.(*autoscalingv1.HorizontalPodAutoscaler), out.(*autoscalingv2.HorizontalPodAutoscaler))
		}},
		{(*autoscalingv2.HorizontalPodAutoscaler)(nil), (*autoscalingv1.HorizontalPodAutoscaler)(nil), func(in, out any, _ conversion.Scope) error {
			return HPAV2ToV1(in.(*autoscalingv2.HorizontalPodAutoscaler), out.(*autoscalingv1.HorizontalPodAutoscaler))
		}},
		{(*autoscalingv1.HorizontalPodAutoscalerList)(nil), (*autoscalingv2.HorizontalPodAutoscalerList)(nil), func(in, out any, _ conversion.Scope) error {
			l, o := in.(*autoscalingv1.HorizontalPodAutoscalerList), out.(*autoscalingv2.HorizontalPodAutoscalerList)
			o.ListMeta = *l.ListMeta.DeepCopy()
			o.Items = make([]autoscalingv2.HorizontalPodAutoscaler, len(l.Items))
			for i := range l.Items {
				if err := HPAV1ToV2(&l.Items[i], &o.Items[i]); err != nil {
					return err
				}
			}
			return nil
		}},
		{(*autoscalingv2.HorizontalPodAutoscalerList)(nil), (*autoscalingv1.HorizontalPodAutoscalerList)(nil), func(in, out any, _ conversion.Scope) error {
			l, o := in.(*autoscalingv2.HorizontalPodAutoscalerList), out.(*autoscalingv1.HorizontalPodAutoscalerList)
			o.ListMeta = *l.ListMeta.DeepCopy()
			o.Items = make([]autoscalingv1.HorizontalPodAutoscaler, len(l.Items))
			for i := range l.Items {
				if err := HPAV2ToV1(&l.Items[i], &o.Items[i]); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, c := range conv {
		if err := s.AddConversionFunc(c.in, c.out, c.f); err != nil {
			return err
		}
	}
	return nil
}

// HPAV2ToV1 converts a stored HorizontalPodAutoscaler to autoscaling/v1,
// carrying what v1 cannot say in the round-trip annotations.
func HPAV2ToV1(in *autoscalingv2.HorizontalPodAutoscaler, out *autoscalingv1.HorizontalPodAutoscaler) error {
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	annotations := out.Annotations
	for _, k := range hpaRoundTripAnnotations {
		delete(annotations, k)
	}
	set := func(key string, v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[key] = string(data)
		return nil
	}

	s := in.Spec
	out.Spec = autoscalingv1.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv1.CrossVersionObjectReference(s.ScaleTargetRef),
		MinReplicas:    copyInt32(s.MinReplicas),
		MaxReplicas:    s.MaxReplicas,
	}
	var others []autoscalingv1.MetricSpec
	for _, m := range s.Metrics {
		if out.Spec.TargetCPUUtilizationPercentage == nil && isCPUUtilization(m) {
			out.Spec.TargetCPUUtilizationPercentage = copyInt32(m.Resource.Target.AverageUtilization)
			continue
		}
		others = append(others, metricSpecToV1(m))
	}
	if len(others) > 0 {
		if err := set(hpaMetricsAnnotation, others); err != nil {
			return err
		}
	}
	if s.Behavior != nil {
		if err := set(hpaBehaviorAnnotation, s.Behavior); err != nil {
			return err
		}
	}

	st := in.Status
	out.Status = autoscalingv1.HorizontalPodAutoscalerStatus{
		ObservedGeneration: copyInt64(st.ObservedGeneration),
		LastScaleTime:      st.LastScaleTime.DeepCopy(),
		CurrentReplicas:    st.CurrentReplicas,
		DesiredReplicas:    st.DesiredReplicas,
	}
	if len(st.CurrentMetrics) > 0 {
		// All of them, the cpu one too: v1's percentage drops its value.
		// (Unless the percentage is all there is, as a v1 client writes it.)
		current := make([]autoscalingv1.MetricStatus, len(st.CurrentMetrics))
		for i, m := range st.CurrentMetrics {
			current[i] = metricStatusToV1(m)
			if out.Status.CurrentCPUUtilizationPercentage == nil && m.Type == autoscalingv2.ResourceMetricSourceType &&
				m.Resource != nil && m.Resource.Name == corev1.ResourceCPU && m.Resource.Current.AverageUtilization != nil {
				out.Status.CurrentCPUUtilizationPercentage = copyInt32(m.Resource.Current.AverageUtilization)
			}
		}
		if !onlyCurrentCPUUtilization(st.CurrentMetrics) {
			if err := set(hpaCurrentMetricsAnnotation, current); err != nil {
				return err
			}
		}
	}
	if len(st.Conditions) > 0 {
		conditions := make([]autoscalingv1.HorizontalPodAutoscalerCondition, len(st.Conditions))
		for i, c := range st.Conditions {
			conditions[i] = autoscalingv1.HorizontalPodAutoscalerCondition{
				Type: autoscalingv1.HorizontalPodAutoscalerConditionType(c.Type), Status: c.Status,
				LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
			}
		}
		if err := set(hpaConditionsAnnotation, conditions); err != nil {
			return err
		}
	}
	if len(annotations) == 0 {
		annotations = nil
	}
	out.Annotations = annotations
	return nil
}

// HPAV1ToV2 converts an autoscaling/v1 HorizontalPodAutoscaler to the
// storage version, taking back what the round-trip annotations carry and
// dropping them.
func HPAV1ToV2(in *autoscalingv1.HorizontalPodAutoscaler, out *autoscalingv2.HorizontalPodAutoscaler) error {
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	annotations := out.Annotations
	get := func(key string, into any) bool {
		data, ok := annotations[key]
		return ok && json.Unmarshal([]byte(data), into) == nil
	}

	s := in.Spec
	out.Spec = autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference(s.ScaleTargetRef),
		MinReplicas:    copyInt32(s.MinReplicas),
		MaxReplicas:    s.MaxReplicas,
	}
	var others []autoscalingv1.MetricSpec
	if get(hpaMetricsAnnotation, &others) {
		for _, m := range others {
			out.Spec.Metrics = append(out.Spec.Metrics, metricSpecToV2(m))
		}
	}
	if s.TargetCPUUtilizationPercentage != nil {
		out.Spec.Metrics = append(out.Spec.Metrics, autoscalingv2.MetricSpec{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{
				Type: autoscalingv2.UtilizationMetricType, AverageUtilization: copyInt32(s.TargetCPUUtilizationPercentage),
			}},
		})
	}
	var behavior autoscalingv2.HorizontalPodAutoscalerBehavior
	if get(hpaBehaviorAnnotation, &behavior) {
		out.Spec.Behavior = &behavior
	}

	st := in.Status
	out.Status = autoscalingv2.HorizontalPodAutoscalerStatus{
		ObservedGeneration: copyInt64(st.ObservedGeneration),
		LastScaleTime:      st.LastScaleTime.DeepCopy(),
		CurrentReplicas:    st.CurrentReplicas,
		DesiredReplicas:    st.DesiredReplicas,
	}
	var current []autoscalingv1.MetricStatus
	if get(hpaCurrentMetricsAnnotation, &current) {
		for _, m := range current {
			out.Status.CurrentMetrics = append(out.Status.CurrentMetrics, metricStatusToV2(m))
		}
	} else if st.CurrentCPUUtilizationPercentage != nil {
		out.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{
				AverageUtilization: copyInt32(st.CurrentCPUUtilizationPercentage),
			}},
		}}
	}
	var conditions []autoscalingv1.HorizontalPodAutoscalerCondition
	if get(hpaConditionsAnnotation, &conditions) {
		for _, c := range conditions {
			out.Status.Conditions = append(out.Status.Conditions, autoscalingv2.HorizontalPodAutoscalerCondition{
				Type: autoscalingv2.HorizontalPodAutoscalerConditionType(c.Type), Status: c.Status,
				LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
			})
		}
	}

	for _, k := range hpaRoundTripAnnotations {
		delete(annotations, k)
	}
	if len(annotations) == 0 {
		annotations = nil
	}
	out.Annotations = annotations
	return nil
}

// onlyCurrentCPUUtilization tells status metrics that v1's
// currentCPUUtilizationPercentage says all of (as a v1 client writes them),
// which need no annotation.
func onlyCurrentCPUUtilization(ms []autoscalingv2.MetricStatus) bool {
	if len(ms) != 1 {
		return false
	}
	r := ms[0].Resource
	return ms[0].Type == autoscalingv2.ResourceMetricSourceType && r != nil && r.Name == corev1.ResourceCPU &&
		r.Current.AverageUtilization != nil && r.Current.AverageValue == nil && r.Current.Value == nil
}

// isCPUUtilization tells the metric v1's targetCPUUtilizationPercentage
// stands for.
func isCPUUtilization(m autoscalingv2.MetricSpec) bool {
	return m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil &&
		m.Resource.Name == corev1.ResourceCPU && m.Resource.Target.AverageUtilization != nil
}

func metricSpecToV1(m autoscalingv2.MetricSpec) autoscalingv1.MetricSpec {
	out := autoscalingv1.MetricSpec{Type: autoscalingv1.MetricSourceType(m.Type)}
	if r := m.Resource; r != nil {
		out.Resource = &autoscalingv1.ResourceMetricSource{Name: r.Name,
			TargetAverageUtilization: copyInt32(r.Target.AverageUtilization), TargetAverageValue: copyQuantity(r.Target.AverageValue)}
	}
	if r := m.ContainerResource; r != nil {
		out.ContainerResource = &autoscalingv1.ContainerResourceMetricSource{Name: r.Name, Container: r.Container,
			TargetAverageUtilization: copyInt32(r.Target.AverageUtilization), TargetAverageValue: copyQuantity(r.Target.AverageValue)}
	}
	if p := m.Pods; p != nil {
		out.Pods = &autoscalingv1.PodsMetricSource{MetricName: p.Metric.Name, Selector: p.Metric.Selector.DeepCopy(),
			TargetAverageValue: quantity(p.Target.AverageValue)}
	}
	if o := m.Object; o != nil {
		out.Object = &autoscalingv1.ObjectMetricSource{
			Target:     autoscalingv1.CrossVersionObjectReference(o.DescribedObject),
			MetricName: o.Metric.Name, Selector: o.Metric.Selector.DeepCopy(),
			TargetValue: quantity(o.Target.Value), AverageValue: copyQuantity(o.Target.AverageValue),
		}
	}
	if e := m.External; e != nil {
		out.External = &autoscalingv1.ExternalMetricSource{MetricName: e.Metric.Name, MetricSelector: e.Metric.Selector.DeepCopy(),
			TargetValue: copyQuantity(e.Target.Value), TargetAverageValue: copyQuantity(e.Target.AverageValue)}
	}
	return out
}

func metricSpecToV2(m autoscalingv1.MetricSpec) autoscalingv2.MetricSpec {
	out := autoscalingv2.MetricSpec{Type: autoscalingv2.MetricSourceType(m.Type)}
	if r := m.Resource; r != nil {
		out.Resource = &autoscalingv2.ResourceMetricSource{Name: r.Name,
			Target: resourceTarget(r.TargetAverageUtilization, r.TargetAverageValue)}
	}
	if r := m.ContainerResource; r != nil {
		out.ContainerResource = &autoscalingv2.ContainerResourceMetricSource{Name: r.Name, Container: r.Container,
			Target: resourceTarget(r.TargetAverageUtilization, r.TargetAverageValue)}
	}
	if p := m.Pods; p != nil {
		out.Pods = &autoscalingv2.PodsMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: p.MetricName, Selector: p.Selector.DeepCopy()},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: quantityPtr(p.TargetAverageValue)},
		}
	}
	if o := m.Object; o != nil {
		target := autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, AverageValue: copyQuantity(o.AverageValue)}
		if o.AverageValue != nil {
			target.Type = autoscalingv2.AverageValueMetricType
		}
		// v1's targetValue is required; an AverageValue target keeps it only
		// when it was given.
		if target.Type == autoscalingv2.ValueMetricType || !o.TargetValue.IsZero() {
			q := o.TargetValue.DeepCopy()
			target.Value = &q
		}
		out.Object = &autoscalingv2.ObjectMetricSource{
			DescribedObject: autoscalingv2.CrossVersionObjectReference(o.Target),
			Metric:          autoscalingv2.MetricIdentifier{Name: o.MetricName, Selector: o.Selector.DeepCopy()},
			Target:          target,
		}
	}
	if e := m.External; e != nil {
		target := autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType,
			Value: copyQuantity(e.TargetValue), AverageValue: copyQuantity(e.TargetAverageValue)}
		if e.TargetValue == nil {
			target.Type = autoscalingv2.AverageValueMetricType
		}
		out.External = &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: e.MetricName, Selector: e.MetricSelector.DeepCopy()},
			Target: target,
		}
	}
	return out
}

// resourceTarget is a (container) resource metric's v2 target: a
// utilization when v1 gives one, an average value otherwise.
func resourceTarget(utilization *int32, averageValue *resource.Quantity) autoscalingv2.MetricTarget {
	t := autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType,
		AverageUtilization: copyInt32(utilization), AverageValue: copyQuantity(averageValue)}
	if utilization != nil {
		t.Type = autoscalingv2.UtilizationMetricType
	}
	return t
}

func metricStatusToV1(m autoscalingv2.MetricStatus) autoscalingv1.MetricStatus {
	out := autoscalingv1.MetricStatus{Type: autoscalingv1.MetricSourceType(m.Type)}
	if r := m.Resource; r != nil {
		out.Resource = &autoscalingv1.ResourceMetricStatus{Name: r.Name,
			CurrentAverageUtilization: copyInt32(r.Current.AverageUtilization), CurrentAverageValue: quantity(r.Current.AverageValue)}
	}
	if r := m.ContainerResource; r != nil {
		out.ContainerResource = &autoscalingv1.ContainerResourceMetricStatus{Name: r.Name, Container: r.Container,
			CurrentAverageUtilization: copyInt32(r.Current.AverageUtilization), CurrentAverageValue: quantity(r.Current.AverageValue)}
	}
	if p := m.Pods; p != nil {
		out.Pods = &autoscalingv1.PodsMetricStatus{MetricName: p.Metric.Name, Selector: p.Metric.Selector.DeepCopy(),
			CurrentAverageValue: quantity(p.Current.AverageValue)}
	}
	if o := m.Object; o != nil {
		out.Object = &autoscalingv1.ObjectMetricStatus{
			Target:     autoscalingv1.CrossVersionObjectReference(o.DescribedObject),
			MetricName: o.Metric.Name, Selector: o.Metric.Selector.DeepCopy(),
			CurrentValue: quantity(o.Current.Value), AverageValue: copyQuantity(o.Current.AverageValue),
		}
	}
	if e := m.External; e != nil {
		out.External = &autoscalingv1.ExternalMetricStatus{MetricName: e.Metric.Name, MetricSelector: e.Metric.Selector.DeepCopy(),
			CurrentValue: quantity(e.Current.Value), CurrentAverageValue: copyQuantity(e.Current.AverageValue)}
	}
	return out
}

func metricStatusToV2(m autoscalingv1.MetricStatus) autoscalingv2.MetricStatus {
	out := autoscalingv2.MetricStatus{Type: autoscalingv2.MetricSourceType(m.Type)}
	if r := m.Resource; r != nil {
		out.Resource = &autoscalingv2.ResourceMetricStatus{Name: r.Name, Current: autoscalingv2.MetricValueStatus{
			AverageUtilization: copyInt32(r.CurrentAverageUtilization), AverageValue: quantityPtr(r.CurrentAverageValue)}}
	}
	if r := m.ContainerResource; r != nil {
		out.ContainerResource = &autoscalingv2.ContainerResourceMetricStatus{Name: r.Name, Container: r.Container,
			Current: autoscalingv2.MetricValueStatus{
				AverageUtilization: copyInt32(r.CurrentAverageUtilization), AverageValue: quantityPtr(r.CurrentAverageValue)}}
	}
	if p := m.Pods; p != nil {
		out.Pods = &autoscalingv2.PodsMetricStatus{
			Metric:  autoscalingv2.MetricIdentifier{Name: p.MetricName, Selector: p.Selector.DeepCopy()},
			Current: autoscalingv2.MetricValueStatus{AverageValue: quantityPtr(p.CurrentAverageValue)},
		}
	}
	if o := m.Object; o != nil {
		out.Object = &autoscalingv2.ObjectMetricStatus{
			DescribedObject: autoscalingv2.CrossVersionObjectReference(o.Target),
			Metric:          autoscalingv2.MetricIdentifier{Name: o.MetricName, Selector: o.Selector.DeepCopy()},
			Current:         autoscalingv2.MetricValueStatus{Value: quantityPtr(o.CurrentValue), AverageValue: copyQuantity(o.AverageValue)},
		}
	}
	if e := m.External; e != nil {
		out.External = &autoscalingv2.ExternalMetricStatus{
			Metric:  autoscalingv2.MetricIdentifier{Name: e.MetricName, Selector: e.MetricSelector.DeepCopy()},
			Current: autoscalingv2.MetricValueStatus{Value: quantityPtr(e.CurrentValue), AverageValue: copyQuantity(e.CurrentAverageValue)},
		}
	}
	return out
}

func copyInt32(p *int32) *int32 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func copyInt64(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func copyQuantity(q *resource.Quantity) *resource.Quantity {
	if q == nil {
		return nil
	}
	c := q.DeepCopy()
	return &c
}

// quantity is v1's required value of v2's optional one (zero when unset).
func quantity(q *resource.Quantity) resource.Quantity {
	if q == nil {
		return resource.Quantity{}
	}
	return q.DeepCopy()
}

// quantityPtr is v2's optional value of v1's required one: unset only when
// v1's was never set (a zero Quantity without a format; one decoded from
// JSON has a format).
func quantityPtr(q resource.Quantity) *resource.Quantity {
	if q.Format == "" && q.IsZero() {
		return nil
	}
	c := q.DeepCopy()
	return &c
}
