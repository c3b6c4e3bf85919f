package podautoscaler

import (
	"context"
	"fmt"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/api/defaults"
)

// getScale reads the target's /scale subresource; ordo's scalable kinds
// are apps/v1 Deployments, ReplicaSets and StatefulSets.
func (c *Controller) getScale(ctx context.Context, ns string, ref autoscalingv2.CrossVersionObjectReference) (*autoscalingv1.Scale, error) {
	apps := c.cfg.Client.AppsV1()
	switch ref.Kind {
	case "Deployment":
		return apps.Deployments(ns).GetScale(ctx, ref.Name, metav1.GetOptions{})
	case "ReplicaSet":
		return apps.ReplicaSets(ns).GetScale(ctx, ref.Name, metav1.GetOptions{})
	case "StatefulSet":
		return apps.StatefulSets(ns).GetScale(ctx, ref.Name, metav1.GetOptions{})
	}
	return nil, fmt.Errorf("unrecognized resource kind %q", ref.Kind)
}

func (c *Controller) updateScale(ctx context.Context, ns string, ref autoscalingv2.CrossVersionObjectReference, sc *autoscalingv1.Scale) error {
	apps := c.cfg.Client.AppsV1()
	var err error
	switch ref.Kind {
	case "Deployment":
		_, err = apps.Deployments(ns).UpdateScale(ctx, ref.Name, sc, metav1.UpdateOptions{})
	case "ReplicaSet":
		_, err = apps.ReplicaSets(ns).UpdateScale(ctx, ref.Name, sc, metav1.UpdateOptions{})
	case "StatefulSet":
		_, err = apps.StatefulSets(ns).UpdateScale(ctx, ref.Name, sc, metav1.UpdateOptions{})
	default:
		err = fmt.Errorf("unrecognized resource kind %q", ref.Kind)
	}
	return err
}

func metricStatus(src *autoscalingv2.ResourceMetricSource, rec Recommendation) autoscalingv2.MetricStatus {
	cur := autoscalingv2.MetricValueStatus{}
	if src.Target.Type == autoscalingv2.UtilizationMetricType {
		u := rec.Utilization
		cur.AverageUtilization = &u
	}
	cur.AverageValue = resourceMilli(rec.AverageValue)
	return autoscalingv2.MetricStatus{Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricStatus{Name: src.Name, Current: cur}}
}

// scalingRules are the HPA's rules, or Kubernetes' defaults without behavior.
func scalingRules(b *autoscalingv2.HorizontalPodAutoscalerBehavior) (up, down *autoscalingv2.HPAScalingRules) {
	up, down = defaults.HPAScaleUpRules(), defaults.HPAScaleDownRules()
	if b != nil && b.ScaleUp != nil {
		up = b.ScaleUp
	}
	if b != nil && b.ScaleDown != nil {
		down = b.ScaleDown
	}
	return up, down
}

func derefMin(hpa *autoscalingv2.HorizontalPodAutoscaler) int32 {
	if hpa.Spec.MinReplicas == nil {
		return 1
	}
	return *hpa.Spec.MinReplicas
}

func prune(recs []Recorded, window time.Duration, now time.Time) []Recorded {
	out := recs[:0]
	for _, r := range recs {
		if now.Sub(r.At) <= window {
			out = append(out, r)
		}
	}
	return out
}

func limitMessage(reason string) string {
	switch reason {
	case "TooFewReplicas":
		return "the desired replica count is less than the minimum replica count"
	case "TooManyReplicas":
		return "the desired replica count is more than the maximum replica count"
	}
	return "the desired count is within the acceptable range"
}

func resourceMilli(v int64) *resource.Quantity {
	return resource.NewMilliQuantity(v, resource.DecimalSI)
}
