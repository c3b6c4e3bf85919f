package agent

import (
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// stop sends SIGTERM to every running container once, and SIGKILL when the
// grace period is over. Like the kubelet, it counts a deleted pod's
// deletionGracePeriodSeconds from when it sees the deletion (deletionTimestamp
// has only second precision). A warm runner pod first stops claiming
// slots and finishes the runs going, within the same grace period: its
// hold container is signalled only then.
func (a *Agent) stop(p *corev1.Pod, st *pod) time.Duration {
	now := a.cfg.Clock.Now()
	if st.killAt.IsZero() {
		st.stopWarm()
		st.killAt = now.Add(gracePeriod(p))
	}
	if !st.killSent && st.warmBusy() && now.Before(st.killAt) {
		return min(warmFinishPoll, st.killAt.Sub(now))
	}
	if !st.killSent {
		st.killSent = true
		for _, c := range st.containers {
			if c.running() {
				a.event(p, corev1.EventTypeNormal, "Killing", "Stopping container %s", c.name)
				a.preStopThenTerm(p, c, findContainer(p, c.name), st.killAt)
			}
		}
	}
	if !now.Before(st.killAt) {
		st.killWarm()
		for _, c := range st.containers {
			if c.running() {
				c.proc.Signal(syscall.SIGKILL)
			}
		}
		return time.Second
	}
	return st.killAt.Sub(now)
}

// warmFinishPoll is how often a stopping runner pod looks whether its
// last run has finished.
const warmFinishPoll = 100 * time.Millisecond

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
	st.killWarm()
	for _, c := range st.containers {
		if c.running() {
			c.proc.Signal(syscall.SIGKILL)
		}
	}
	a.stopSandbox(st)
}
