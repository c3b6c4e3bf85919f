package scheme_test

import (
	"encoding/json"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/diff"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/api/scheme"
	"github.com/ordo-dev/ordo/internal/registry"
)

var (
	hpaTime = metav1.NewTime(time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC))
	target  = autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"}
)

func q(s string) *resource.Quantity { v := resource.MustParse(s); return &v }

func cpuTarget(p int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To(p)}}}
}

func memoryTarget() autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceMemory, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("512Mi")}}}
}

func hpaV2(mutate func(*autoscalingv2.HorizontalPodAutoscaler)) *autoscalingv2.HorizontalPodAutoscaler {
	h := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Annotations: map[string]string{"team": "a"}},
		Spec:       autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: target, MinReplicas: ptr.To[int32](2), MaxReplicas: 10},
	}
	mutate(h)
	return h
}

// Every v2 object converts to v1 and back unchanged (the cpu Utilization
// target, if any, last: v1 keeps it apart from the others, as Kubernetes).
func TestHPAV2RoundTripsThroughV1(t *testing.T) {
	cases := map[string]*autoscalingv2.HorizontalPodAutoscaler{
		"no metrics": hpaV2(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Annotations = nil }),
		"cpu only": hpaV2(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = []autoscalingv2.MetricSpec{cpuTarget(50)}
		}),
		"memory and cpu": hpaV2(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = []autoscalingv2.MetricSpec{memoryTarget(), cpuTarget(70)}
		}),
		"every metric type": hpaV2(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			sel := &metav1.LabelSelector{MatchLabels: map[string]string{"queue": "jobs"}}
			h.Spec.Metrics = []autoscalingv2.MetricSpec{
				{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricSource{
					Name: corev1.ResourceCPU, Container: "app", Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](60)}}},
				{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "packets", Selector: sel},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("1k")}}},
				{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
					DescribedObject: autoscalingv2.CrossVersionObjectReference{Kind: "Service", Name: "web", APIVersion: "v1"},
					Metric:          autoscalingv2.MetricIdentifier{Name: "requests"},
					Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: q("10k")}}},
				{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
					DescribedObject: autoscalingv2.CrossVersionObjectReference{Kind: "Service", Name: "web", APIVersion: "v1"},
					Metric:          autoscalingv2.MetricIdentifier{Name: "requests"},
					Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("100")}}},
				{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth", Selector: sel},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: q("30")}}},
				{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("3")}}},
				memoryTarget(),
				cpuTarget(80),
			}
		}),
		"behavior": hpaV2(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = []autoscalingv2.MetricSpec{cpuTarget(80)}
			h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleUp: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](0), SelectPolicy: ptr.To(autoscalingv2.MaxChangePolicySelect),
					Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15}}},
				ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60), SelectPolicy: ptr.To(autoscalingv2.DisabledPolicySelect)},
			}
		}),
		"status": hpaV2(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = []autoscalingv2.MetricSpec{memoryTarget(), cpuTarget(80)}
			h.Status = autoscalingv2.HorizontalPodAutoscalerStatus{
				ObservedGeneration: ptr.To[int64](3), LastScaleTime: &hpaTime, CurrentReplicas: 4, DesiredReplicas: 5,
				CurrentMetrics: []autoscalingv2.MetricStatus{
					{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU,
						Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To[int32](93), AverageValue: q("186m")}}},
					{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceMemory,
						Current: autoscalingv2.MetricValueStatus{AverageValue: q("300Mi")}}},
					{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricStatus{
						Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth"}, Current: autoscalingv2.MetricValueStatus{Value: q("12"), AverageValue: q("3")}}},
				},
				Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{
					{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, LastTransitionTime: hpaTime, Reason: "ReadyForNewScale", Message: "recommended size matches current size"},
					{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionTrue, LastTransitionTime: hpaTime, Reason: "ValidMetricFound"},
				},
			}
		}),
	}
	set := scheme.New(registry.SchemeGroups())
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			want := in.DeepCopy()
			v1, err := set.Scheme.ConvertToVersion(in.DeepCopy(), autoscalingv1.SchemeGroupVersion)
			if err != nil {
				t.Fatal(err)
			}
			// Through JSON, as a client would read and write it back.
			data, err := json.Marshal(v1)
			if err != nil {
				t.Fatal(err)
			}
			var read autoscalingv1.HorizontalPodAutoscaler
			if err := json.Unmarshal(data, &read); err != nil {
				t.Fatal(err)
			}
			back, err := set.Scheme.ConvertToVersion(&read, autoscalingv2.SchemeGroupVersion)
			if err != nil {
				t.Fatal(err)
			}
			got := back.(*autoscalingv2.HorizontalPodAutoscaler)
			got.TypeMeta = want.TypeMeta
			if !apiequality.Semantic.DeepEqual(got, want) {
				t.Fatalf("v2 -> v1 -> v2 changed it:\n%s\nv1: %s", diff.Diff(want, got), data)
			}
		})
	}
}

func TestHPAV2ReadAsV1(t *testing.T) {
	set := scheme.New(registry.SchemeGroups())
	in := hpaV2(func(h *autoscalingv2.HorizontalPodAutoscaler) {
		h.Spec.Metrics = []autoscalingv2.MetricSpec{cpuTarget(70), memoryTarget()}
		h.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
			Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To[int32](42), AverageValue: q("84m")}}}}
	})
	out, err := set.Scheme.ConvertToVersion(in, autoscalingv1.SchemeGroupVersion)
	if err != nil {
		t.Fatal(err)
	}
	v1 := out.(*autoscalingv1.HorizontalPodAutoscaler)
	if v1.APIVersion != "autoscaling/v1" || *v1.Spec.TargetCPUUtilizationPercentage != 70 || *v1.Spec.MinReplicas != 2 ||
		v1.Spec.MaxReplicas != 10 || v1.Spec.ScaleTargetRef.Name != "web" || *v1.Status.CurrentCPUUtilizationPercentage != 42 {
		t.Fatalf("v1: %+v", v1)
	}
	var others []autoscalingv1.MetricSpec
	if err := json.Unmarshal([]byte(v1.Annotations["autoscaling.alpha.kubernetes.io/metrics"]), &others); err != nil {
		t.Fatalf("metrics annotation: %v (%v)", err, v1.Annotations)
	}
	if len(others) != 1 || others[0].Resource == nil || others[0].Resource.Name != corev1.ResourceMemory || others[0].Resource.TargetAverageValue.String() != "512Mi" {
		t.Fatalf("metrics annotation holds %+v", others)
	}
	if v1.Annotations["team"] != "a" || v1.Annotations["autoscaling.alpha.kubernetes.io/current-metrics"] == "" {
		t.Fatalf("annotations %v", v1.Annotations)
	}
	if _, ok := in.Annotations["autoscaling.alpha.kubernetes.io/metrics"]; ok {
		t.Fatal("converting changed the stored object's annotations")
	}
	// Written back, both metrics remain (the cpu target last, as in
	// Kubernetes).
	back, err := set.Scheme.ConvertToVersion(v1, autoscalingv2.SchemeGroupVersion)
	if err != nil {
		t.Fatal(err)
	}
	want := []autoscalingv2.MetricSpec{memoryTarget(), cpuTarget(70)}
	if got := back.(*autoscalingv2.HorizontalPodAutoscaler).Spec.Metrics; !apiequality.Semantic.DeepEqual(got, want) {
		t.Fatalf("written back: %s", diff.Diff(want, got))
	}
}

// Every v1 object converts to v2 and back unchanged; the round-trip
// annotations are consumed on the way in and rebuilt on the way out.
func TestHPAV1RoundTripsThroughV2(t *testing.T) {
	ref := autoscalingv1.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"}
	cases := map[string]autoscalingv1.HorizontalPodAutoscaler{
		"minimal": {Spec: autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MaxReplicas: 3}},
		"cpu target and status": {
			ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"team": "a"}},
			Spec:       autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MinReplicas: ptr.To[int32](1), MaxReplicas: 5, TargetCPUUtilizationPercentage: ptr.To[int32](50)},
			Status: autoscalingv1.HorizontalPodAutoscalerStatus{ObservedGeneration: ptr.To[int64](1), LastScaleTime: &hpaTime,
				CurrentReplicas: 2, DesiredReplicas: 3, CurrentCPUUtilizationPercentage: ptr.To[int32](75)},
		},
		"annotations": {
			ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
				"autoscaling.alpha.kubernetes.io/metrics":         `[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"512Mi"}},{"type":"External","external":{"metricName":"queue_depth","targetValue":"30"}}]`,
				"autoscaling.alpha.kubernetes.io/behavior":        `{"scaleDown":{"stabilizationWindowSeconds":60,"selectPolicy":"Min","policies":[{"type":"Percent","value":10,"periodSeconds":60}]}}`,
				"autoscaling.alpha.kubernetes.io/current-metrics": `[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":75,"currentAverageValue":"150m"}},{"type":"Resource","resource":{"name":"memory","currentAverageValue":"300Mi"}}]`,
				"autoscaling.alpha.kubernetes.io/conditions":      `[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-12-07T14:00:00Z","reason":"ReadyForNewScale"}]`,
			}},
			Spec:   autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MinReplicas: ptr.To[int32](1), MaxReplicas: 5, TargetCPUUtilizationPercentage: ptr.To[int32](50)},
			Status: autoscalingv1.HorizontalPodAutoscalerStatus{CurrentReplicas: 2, DesiredReplicas: 2, CurrentCPUUtilizationPercentage: ptr.To[int32](75)},
		},
	}
	set := scheme.New(registry.SchemeGroups())
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			var v2 autoscalingv2.HorizontalPodAutoscaler
			if err := set.Scheme.Convert(in.DeepCopy(), &v2, nil); err != nil {
				t.Fatal(err)
			}
			for k := range v2.Annotations {
				if k != "team" {
					t.Fatalf("annotation %s kept in v2", k)
				}
			}
			var got autoscalingv1.HorizontalPodAutoscaler
			if err := set.Scheme.Convert(&v2, &got, nil); err != nil {
				t.Fatal(err)
			}
			if !equalV1(t, &got, &in) {
				t.Fatalf("v1 -> v2 -> v1 changed it:\n%s", diff.Diff(&in, &got))
			}
		})
	}
}

// equalV1 compares two v1 objects, their round-trip annotations as JSON
// values (not byte for byte).
func equalV1(t *testing.T, a, b *autoscalingv1.HorizontalPodAutoscaler) bool {
	t.Helper()
	a, b = a.DeepCopy(), b.DeepCopy()
	for k, va := range a.Annotations {
		vb, ok := b.Annotations[k]
		if !ok {
			return false
		}
		var ja, jb any
		if json.Unmarshal([]byte(va), &ja) == nil && json.Unmarshal([]byte(vb), &jb) == nil {
			if !apiequality.Semantic.DeepEqual(ja, jb) {
				t.Logf("annotation %s: %s != %s", k, va, vb)
				return false
			}
			a.Annotations[k], b.Annotations[k] = "", ""
		}
	}
	return apiequality.Semantic.DeepEqual(a, b)
}

func TestHPAV1Defaults(t *testing.T) {
	set := scheme.New(registry.SchemeGroups())
	manifest := `{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},
"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"},"maxReplicas":4}}`
	obj, _, err := set.Codecs.UniversalDecoder(autoscalingv1.SchemeGroupVersion).Decode([]byte(manifest), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := obj.(*autoscalingv1.HorizontalPodAutoscaler)
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas != 1 || h.Spec.TargetCPUUtilizationPercentage != nil {
		t.Fatalf("v1 defaults: %+v", h.Spec)
	}
}
