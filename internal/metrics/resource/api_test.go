package resource

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodMetricsFollowsThePodsContainers(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"app": "x"}},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "sidecar"}},
			Containers:     []corev1.Container{{Name: "a"}, {Name: "b"}},
		},
	}
	u := PodUsage{UID: "u", Containers: []ContainerUsage{
		{Name: "b", Usage: Usage{Timestamp: t0.Add(time.Second), Window: 10 * time.Second, CPUNanoCores: 1500, MemoryWorkingSetBytes: 3 << 20}},
		{Name: "sidecar", Usage: Usage{Timestamp: t0, Window: 12 * time.Second, CPUNanoCores: 250_000_000, MemoryWorkingSetBytes: 1 << 20}},
		{Name: "gone", Usage: Usage{Timestamp: t0}},
	}}
	m := PodMetrics(pod, u, t0)
	if len(m.Containers) != 2 || m.Containers[0].Name != "sidecar" || m.Containers[1].Name != "b" {
		t.Fatalf("containers = %+v; want sidecar, b (the pod's order; a not sampled, gone not the pod's)", m.Containers)
	}
	if got := m.Containers[0].Usage.Cpu().String(); got != "250m" {
		t.Errorf("sidecar cpu = %s, want 250m", got)
	}
	if got := m.Containers[1].Usage.Cpu().String(); got != "1500n" {
		t.Errorf("b cpu = %s, want 1500n", got)
	}
	if got := m.Containers[1].Usage.Memory().String(); got != "3Mi" {
		t.Errorf("b memory = %s, want 3Mi", got)
	}
	if !m.Timestamp.Time.Equal(t0.Add(time.Second)) || m.Window.Duration != 12*time.Second {
		t.Errorf("timestamp %v window %v; want the latest of the containers'", m.Timestamp, m.Window)
	}
	if m.Namespace != "ns" || m.Labels["app"] != "x" {
		t.Errorf("metadata = %+v", m.ObjectMeta)
	}
}
