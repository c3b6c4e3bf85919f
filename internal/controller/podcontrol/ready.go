package podcontrol

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// ReadySince says whether p is Ready (Kubernetes' IsPodReady: the PodReady
// condition is True) and since when, the condition's last transition,
// which availability after minReadySeconds is counted from.
func ReadySince(p *corev1.Pod) (bool, time.Time) {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue, c.LastTransitionTime.Time
		}
	}
	return false, time.Time{}
}
