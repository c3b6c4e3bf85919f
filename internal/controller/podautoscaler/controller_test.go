package podautoscaler

import (
	"context"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsfake "k8s.io/metrics/pkg/client/clientset/versioned/fake"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

func runningPod(name string, cpuRequest string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuRequest)}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: ptr.To(metav1.NewTime(t0.Add(-10 * time.Minute))),
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0.Add(-10 * time.Minute))}}}}
}

func podMetrics(name, cpu string) *metricsv1beta1.PodMetrics {
	return &metricsv1beta1.PodMetrics{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "web"}},
		Timestamp: metav1.NewTime(t0), Window: metav1.Duration{Duration: 30 * time.Second},
		Containers: []metricsv1beta1.ContainerMetrics{{Name: "c", Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}
}

// TestSyncScalesADeploymentUpThroughScale: two pods at 100 % of their CPU
// request against a 50 % target ask for four replicas; the controller
// writes /scale, records SuccessfulRescale and the HPA's status.
func TestSyncScalesADeploymentUpThroughScale(t *testing.T) {
	hpa := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}, Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
		MinReplicas:    ptr.To[int32](1), MaxReplicas: 10,
		Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](50)}}}},
	}}
	client := fake.NewClientset(hpa, runningPod("web-1", "100m"), runningPod("web-2", "100m"))
	var scaledTo int32
	client.PrependReactor("get", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "scale" {
			return false, nil, nil
		}
		return true, &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
			Spec: autoscalingv1.ScaleSpec{Replicas: 2}, Status: autoscalingv1.ScaleStatus{Replicas: 2, Selector: "app=web"}}, nil
	})
	client.PrependReactor("update", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "scale" {
			return false, nil, nil
		}
		sc := a.(k8stesting.UpdateAction).GetObject().(*autoscalingv1.Scale)
		scaledTo = sc.Spec.Replicas
		return true, sc, nil
	})
	metrics := metricsfake.NewSimpleClientset()
	metrics.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, &metricsv1beta1.PodMetricsList{Items: []metricsv1beta1.PodMetrics{*podMetrics("web-1", "100m"), *podMetrics("web-2", "100m")}}, nil
	})
	f := informers.NewSharedInformerFactory(client, 0)
	ctl, err := New(Config{Client: client, Informers: f, Metrics: metrics, Clock: clocktesting.NewFakeClock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	if err := ctl.Sync(ctx, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if scaledTo != 4 {
		t.Fatalf("scaled to %d, want 4", scaledTo)
	}
	got, _ := client.AutoscalingV2().HorizontalPodAutoscalers("ns").Get(ctx, "web", metav1.GetOptions{})
	if got.Status.DesiredReplicas != 4 || got.Status.CurrentMetrics[0].Resource.Current.AverageUtilization == nil ||
		*got.Status.CurrentMetrics[0].Resource.Current.AverageUtilization != 100 {
		t.Errorf("status = %+v", got.Status)
	}
	reasons := map[autoscalingv2.HorizontalPodAutoscalerConditionType]string{}
	for _, c := range got.Status.Conditions {
		reasons[c.Type] = c.Reason
	}
	want := map[autoscalingv2.HorizontalPodAutoscalerConditionType]string{
		autoscalingv2.AbleToScale: "SucceededRescale", autoscalingv2.ScalingActive: "ValidMetricFound", autoscalingv2.ScalingLimited: "DesiredWithinRange"}
	for k, v := range want {
		if reasons[k] != v {
			t.Errorf("condition %s reason %q, want %q", k, reasons[k], v)
		}
	}
	events, _ := client.CoreV1().Events("ns").List(ctx, metav1.ListOptions{})
	if len(events.Items) != 1 || events.Items[0].Reason != "SuccessfulRescale" {
		t.Errorf("events = %+v", events.Items)
	}
}
