package agent

import (
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// stop sends SIGTERM to every running container once, and SIGKILL when the
// grace period is over. Like the kubelet, it counts a deleted pod's
// deletionGracePeriodSeconds from when it sees the deletion (deletionTimestamp
// has only second precision).
func (a *Agent) stop(p *corev1.Pod, st *pod) time.Duration {
	now := a.cfg.Clock.Now()
	if !st.killSent {
		st.killSent = true
		st.stopWarm()
		st.killAt = now.Add(gracePeriod(p))
		for _, c := range st.containers {
			if c.running() {
				a.event(p, corev1.EventTypeNormal, "Killing", "Stopping container %s", c.name)
				a.preStopThenTerm(p, c, findContainer(p, c.name), st.killAt)
			}
		}
	}
	if !now.Before(st.killAt) {
		for _, c := range st.containers {
			if c.running() {
				c.proc.Signal(syscall.SIGKILL)
			}
		}
		return time.Second
	}
	return st.killAt.Sub(now)
}

func gracePeriod(p *corev1.Pod) time.Duration {
	if p.DeletionGracePeriodSeconds != nil {
		return time.Duration(*p.DeletionGracePeriodSeconds) * time.Second
	}
	if p.Spec.TerminationGracePeriodSeconds == nil {
		return 30 * time.Second
	}
	return time.Duration(*p.Spec.TerminationGracePeriodSeconds) * time.Second
}

// killNow kills everything of a pod at once and waits for the sandbox.
func (a *Agent) killNow(st *pod) {
	st.stopWarm()
	for _, c := range st.containers {
		if c.running() {
			c.proc.Signal(syscall.SIGKILL)
		}
	}
	a.stopSandbox(st)
}
