package apis

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// TestHPAServedAsV1AndV2 checks that autoscaling/v1 serves the v2-stored
// HorizontalPodAutoscalers: discovery lists them (Kubernetes' conformance
// discovery test reads /apis/autoscaling/v1), a v1 cpu target reads back
// as a v2 cpu Utilization metric, and a v2 memory metric reads as v1's
// metrics annotation and survives a v1 update.
func TestHPAServedAsV1AndV2(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t)
	ctx := context.Background()

	resources, err := cs.Discovery().ServerResourcesForGroupVersion("autoscaling/v1")
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range resources.APIResources {
		served[r.Name] = true
	}
	if !served["horizontalpodautoscalers"] || !served["horizontalpodautoscalers/status"] || len(served) != 2 {
		t.Fatalf("autoscaling/v1 serves %v, want horizontalpodautoscalers and its status", served)
	}

	ref := autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	v1hpa := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "v1-cpu"},
		Spec:       autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MaxReplicas: 4, TargetCPUUtilizationPercentage: ptr.To[int32](65)},
	}
	created, err := cs.AutoscalingV1().HorizontalPodAutoscalers(ns).Create(ctx, v1hpa, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *created.Spec.MinReplicas != 1 || *created.Spec.TargetCPUUtilizationPercentage != 65 || len(created.Annotations) != 0 {
		t.Fatalf("created through v1: %+v %v", created.Spec, created.Annotations)
	}
	v2, err := cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, "v1-cpu", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := v2.Spec.Metrics; len(m) != 1 || m[0].Type != autoscalingv2.ResourceMetricSourceType || m[0].Resource.Name != corev1.ResourceCPU ||
		m[0].Resource.Target.Type != autoscalingv2.UtilizationMetricType || *m[0].Resource.Target.AverageUtilization != 65 {
		t.Fatalf("read through v2: %+v", m)
	}

	memory := resource.MustParse("256Mi")
	v2hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "v2-memory"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference(ref), MaxReplicas: 6,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceMemory, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &memory}}}},
		},
	}
	if _, err := cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, v2hpa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	asV1, err := cs.AutoscalingV1().HorizontalPodAutoscalers(ns).Get(ctx, "v2-memory", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var others []autoscalingv1.MetricSpec
	if err := json.Unmarshal([]byte(asV1.Annotations["autoscaling.alpha.kubernetes.io/metrics"]), &others); err != nil {
		t.Fatalf("metrics annotation of %v: %v", asV1.Annotations, err)
	}
	if asV1.Spec.TargetCPUUtilizationPercentage != nil || len(others) != 1 || others[0].Resource.Name != corev1.ResourceMemory ||
		others[0].Resource.TargetAverageValue.Cmp(memory) != 0 {
		t.Fatalf("read through v1: %+v, metrics %+v", asV1.Spec, others)
	}

	// Written back through v1, the memory metric stays and nothing of the
	// annotation is stored.
	// The HPA controller writes its status meanwhile: read and write
	// again on a conflict, as any client of a controlled object does.
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		latest, err := cs.AutoscalingV1().HorizontalPodAutoscalers(ns).Get(ctx, "v2-memory", metav1.GetOptions{})
		if err != nil {
			return err
		}
		latest.Spec.MaxReplicas = 7
		_, err = cs.AutoscalingV1().HorizontalPodAutoscalers(ns).Update(ctx, latest, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	v2, err = cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, "v2-memory", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := v2.Spec.Metrics; v2.Spec.MaxReplicas != 7 || len(m) != 1 || m[0].Resource.Name != corev1.ResourceMemory {
		t.Fatalf("after the v1 update: %+v", v2.Spec)
	}
	for k := range v2.Annotations {
		if strings.HasPrefix(k, "autoscaling.alpha.kubernetes.io/") {
			t.Fatalf("stored annotation %s", k)
		}
	}

	list, err := cs.AutoscalingV1().HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 2 {
		t.Fatalf("v1 list has %d items", len(list.Items))
	}
	// Applied as v1 on the server (field management in v1's schema).
	server(t).RunIn(`apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: applied}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  targetCPUUtilizationPercentage: 40
`, "-n", ns, "apply", "--server-side", "-f", "-")
	applied, err := cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, "applied", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := applied.Spec.Metrics; len(m) != 1 || *m[0].Resource.Target.AverageUtilization != 40 {
		t.Fatalf("applied through v1: %+v", applied.Spec)
	}
	out := server(t).Run("get", "hpa.v1.autoscaling", "-n", ns)
	if !strings.Contains(out, "v1-cpu") || !strings.Contains(out, "v2-memory") {
		t.Fatalf("kubectl get hpa.v1.autoscaling:\n%s", out)
	}
}
