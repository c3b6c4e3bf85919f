package podautoscaler

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// CPUInitializationPeriod and InitialReadinessDelay are
// kube-controller-manager's --horizontal-pod-autoscaler-cpu-initialization-period
// and --horizontal-pod-autoscaler-initial-readiness-delay: a pod's CPU
// while it starts (ordo's shim and the program's own start-up) says
// nothing about its load, so samples from then are not counted.
const (
	CPUInitializationPeriod = 5 * time.Minute
	InitialReadinessDelay   = 30 * time.Second
)

// podUsages groups the target's pods as upstream's replica calculator
// does: deleted and failed pods, and (for CPU) pods with no Ready
// condition or start time, are ignored; Pending pods, and for CPU pods
// not Ready or whose sample was taken within one metrics window of
// becoming Ready during their initialization period, are Unready;
// running pods without metrics are Missing. Usages and requests are in
// milli-units.
func podUsages(res corev1.ResourceName, pods []*corev1.Pod, metrics []metricsv1beta1.PodMetrics, now time.Time) []PodUsage {
	byName := map[string]metricsv1beta1.PodMetrics{}
	for _, m := range metrics {
		byName[m.Name] = m
	}
	var out []PodUsage
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodFailed {
			continue
		}
		u := PodUsage{Request: requestOf(res, p)}
		m, ok := byName[p.Name]
		switch {
		case p.Status.Phase == corev1.PodPending:
			u.Unready = true
		case !ok:
			u.Missing = true
		case res == corev1.ResourceCPU:
			unready, ignored := cpuUnready(p, m, now)
			if ignored {
				continue
			}
			u.Unready = unready
		}
		if ok {
			for _, c := range m.Containers {
				q := c.Usage[res]
				u.Usage += q.MilliValue()
			}
		}
		out = append(out, u)
	}
	return out
}

// cpuUnready is upstream's rule for a running pod's CPU sample.
func cpuUnready(p *corev1.Pod, m metricsv1beta1.PodMetrics, now time.Time) (unready, ignored bool) {
	var ready *corev1.PodCondition
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			ready = &p.Status.Conditions[i]
		}
	}
	if ready == nil || p.Status.StartTime == nil {
		return false, true
	}
	start, changed := p.Status.StartTime.Time, ready.LastTransitionTime.Time
	if start.Add(CPUInitializationPeriod).After(now) {
		return ready.Status == corev1.ConditionFalse || m.Timestamp.Time.Before(changed.Add(m.Window.Duration)), false
	}
	return ready.Status == corev1.ConditionFalse && start.Add(InitialReadinessDelay).After(changed), false
}

func requestOf(res corev1.ResourceName, p *corev1.Pod) int64 {
	var sum int64
	for _, c := range p.Spec.Containers {
		q := c.Resources.Requests[res]
		sum += q.MilliValue()
	}
	return sum
}
