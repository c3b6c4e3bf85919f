package printers

import (
	"fmt"
	"strings"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
)

// hpaMetricsShown is how many metrics TARGETS lists before "+ N more...".
const hpaMetricsShown = 2

// HorizontalPodAutoscalers prints NAME REFERENCE TARGETS MINPODS MAXPODS
// REPLICAS AGE; TARGETS reads "cpu: 40%/80%", current over target, with
// <unknown> until the controller has measured.
func HorizontalPodAutoscalers() Printer {
	spec := autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()
	return printer[autoscalingv2.HorizontalPodAutoscaler]{
		columns: columns(
			nameColumn(),
			column("Reference", "string", spec["scaleTargetRef"]),
			column("Targets", "string", spec["metrics"]),
			column("MinPods", "string", spec["minReplicas"]),
			column("MaxPods", "integer", spec["maxReplicas"]),
			column("Replicas", "integer", autoscalingv2.HorizontalPodAutoscalerStatus{}.SwaggerDoc()["currentReplicas"]),
			ageColumn(),
		),
		cells: func(h *autoscalingv2.HorizontalPodAutoscaler, now time.Time) ([]any, error) {
			minPods := unset
			if h.Spec.MinReplicas != nil {
				minPods = fmt.Sprint(*h.Spec.MinReplicas)
			}
			ref := h.Spec.ScaleTargetRef.Kind + "/" + h.Spec.ScaleTargetRef.Name
			return []any{h.Name, ref, hpaTargets(h.Spec.Metrics, h.Status.CurrentMetrics), minPods,
				int64(h.Spec.MaxReplicas), int64(h.Status.CurrentReplicas), age(h.CreationTimestamp, now)}, nil
		},
	}
}

// hpaTargets pairs each metric with the status at the same index.
func hpaTargets(specs []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) string {
	if len(specs) == 0 {
		return none
	}
	var list []string
	for i, s := range specs {
		var st *autoscalingv2.MetricStatus
		if i < len(statuses) {
			st = &statuses[i]
		}
		list = append(list, hpaTarget(s, st))
	}
	if len(list) > hpaMetricsShown {
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:hpaMetricsShown], ", "), len(list)-hpaMetricsShown)
	}
	return strings.Join(list, ", ")
}

func hpaTarget(s autoscalingv2.MetricSpec, st *autoscalingv2.MetricStatus) string {
	switch s.Type {
	case autoscalingv2.ResourceMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.Resource != nil {
			cur = &st.Resource.Current
		}
		return string(s.Resource.Name) + ": " + currentOverTarget(cur, s.Resource.Target)
	case autoscalingv2.ContainerResourceMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.ContainerResource != nil {
			cur = &st.ContainerResource.Current
		}
		return string(s.ContainerResource.Name) + ": " + currentOverTarget(cur, s.ContainerResource.Target)
	case autoscalingv2.PodsMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.Pods != nil {
			cur = &st.Pods.Current
		}
		return currentOverTarget(cur, s.Pods.Target)
	case autoscalingv2.ObjectMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.Object != nil {
			cur = &st.Object.Current
		}
		return currentOverTarget(cur, s.Object.Target)
	case autoscalingv2.ExternalMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.External != nil {
			cur = &st.External.Current
		}
		return currentOverTarget(cur, s.External.Target)
	}
	return unknown + " (" + string(s.Type) + ")"
}

// currentOverTarget prints "current/target" in the target's own terms:
// a percentage, an average value or a value.
func currentOverTarget(cur *autoscalingv2.MetricValueStatus, t autoscalingv2.MetricTarget) string {
	current, target := unknown, unknown
	switch {
	case t.AverageUtilization != nil:
		target = fmt.Sprintf("%d%%", *t.AverageUtilization)
		if cur != nil && cur.AverageUtilization != nil {
			current = fmt.Sprintf("%d%%", *cur.AverageUtilization)
		}
	case t.AverageValue != nil:
		target = t.AverageValue.String()
		current = quantityOr(cur, func(c *autoscalingv2.MetricValueStatus) *resource.Quantity { return c.AverageValue })
	case t.Value != nil:
		target = t.Value.String()
		current = quantityOr(cur, func(c *autoscalingv2.MetricValueStatus) *resource.Quantity { return c.Value })
	}
	return current + "/" + target
}

func quantityOr(cur *autoscalingv2.MetricValueStatus, get func(*autoscalingv2.MetricValueStatus) *resource.Quantity) string {
	if cur == nil || get(cur) == nil {
		return unknown
	}
	return get(cur).String()
}
