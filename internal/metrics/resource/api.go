package resource

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// NodeMetrics is the metrics.k8s.io object of node with usage u. Like
// metrics-server's, it carries the node's labels and is created now.
func NodeMetrics(node *corev1.Node, u Usage, now time.Time) *metricsv1beta1.NodeMetrics {
	return &metricsv1beta1.NodeMetrics{
		ObjectMeta: metav1.ObjectMeta{Name: node.Name, Labels: node.Labels, CreationTimestamp: metav1.NewTime(now)},
		Timestamp:  metav1.NewTime(u.Timestamp),
		Window:     metav1.Duration{Duration: u.Window},
		Usage:      resourceList(u),
	}
}

// PodMetrics is the metrics.k8s.io object of pod from its containers'
// usage, in the pod's order of containers. The pod's timestamp and window
// are its containers' latest (they are sampled together).
func PodMetrics(pod *corev1.Pod, p PodUsage, now time.Time) *metricsv1beta1.PodMetrics {
	m := &metricsv1beta1.PodMetrics{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, Labels: pod.Labels, CreationTimestamp: metav1.NewTime(now)},
		Containers: []metricsv1beta1.ContainerMetrics{},
	}
	byName := map[string]Usage{}
	for _, c := range p.Containers {
		byName[c.Name] = c.Usage
	}
	for _, name := range containerNames(pod) {
		u, ok := byName[name]
		if !ok {
			continue
		}
		m.Containers = append(m.Containers, metricsv1beta1.ContainerMetrics{Name: name, Usage: resourceList(u)})
		if u.Timestamp.After(m.Timestamp.Time) {
			m.Timestamp = metav1.NewTime(u.Timestamp)
		}
		if u.Window > m.Window.Duration {
			m.Window = metav1.Duration{Duration: u.Window}
		}
	}
	return m
}

// containerNames are the pod's containers that usage is reported for:
// init containers (restartable sidecars run beside the others), regular
// and ephemeral containers.
func containerNames(pod *corev1.Pod) []string {
	var out []string
	for _, c := range pod.Spec.InitContainers {
		out = append(out, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		out = append(out, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		out = append(out, c.Name)
	}
	return out
}

// resourceList is u as the API's quantities: CPU in nanocores, memory in
// bytes (binary SI), as metrics-server writes them.
func resourceList(u Usage) corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewScaledQuantity(int64(u.CPUNanoCores), resource.Nano),
		corev1.ResourceMemory: *resource.NewQuantity(int64(u.MemoryWorkingSetBytes), resource.BinarySI),
	}
}
