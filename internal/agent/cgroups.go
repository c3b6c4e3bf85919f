package agent

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/runtime"
)

// cgroupFor creates the cgroups of run n of a container with its limits.
// Without cgroups, limits are not enforced and the pod gets a warning event.
func (a *Agent) cgroupFor(p *corev1.Pod, spec *corev1.Container, n int) (string, []string, error) {
	l := limitsOf(spec)
	if a.cfg.Cgroups == nil {
		if l != (runtime.Limits{}) {
			a.event(p, corev1.EventTypeWarning, "ResourceLimitsNotEnforced",
				"container %s sets resources but this node has no usable cgroups: they are not enforced", spec.Name)
		}
		return "", nil, nil
	}
	id := fmt.Sprintf("%s_%s_%d", p.UID, spec.Name, n)
	dirs, err := a.cfg.Cgroups.Create(id, l)
	return id, dirs, err
}

// limitsOf maps resources onto cgroup limits as the kubelet does: memory
// and cpu limits as hard limits, the cpu request as relative shares.
func limitsOf(c *corev1.Container) runtime.Limits {
	var l runtime.Limits
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		l.MemoryBytes = q.Value()
	}
	if q, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		l.CPUMillis = q.MilliValue()
	}
	if q, ok := c.Resources.Requests[corev1.ResourceCPU]; ok {
		shares := uint64(q.MilliValue()) * 1024 / 1000
		if shares < 2 {
			shares = 2
		}
		l.CPUShares = shares
	}
	return l
}
