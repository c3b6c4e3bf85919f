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
		a.terminate(p, st, false)
	}
	// Sidecars stop after the containers they serve, as in Kubernetes: a
	// preStop hook may still go through one.
	if !st.sidecarsKillSent && !st.runningBesidesSidecars() {
		st.sidecarsKillSent = true
		a.terminate(p, st, true)
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

// terminate runs preStop hooks then SIGTERM for the running sidecars, or
// for every other running container.
func (a *Agent) terminate(p *corev1.Pod, st *pod, sidecars bool) {
	for _, c := range st.containers {
		if c.running() && st.sidecarNames[c.name] == sidecars {
			a.event(p, corev1.EventTypeNormal, "Killing", "Stopping container %s", c.name)
			a.preStopThenTerm(p, c, findContainer(p, c.name), st.killAt)
		}
	}
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
