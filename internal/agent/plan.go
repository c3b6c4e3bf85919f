package agent

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// decision is what one sync of a pod should do.
type decision struct {
	// start names the containers to start now, in order.
	start []string
	// stop stops every running container (pod deleted, failed or past its
	// deadline).
	stop bool
	// finalize removes the pod object: it is being deleted and nothing runs.
	finalize bool
	// fail makes the pod Failed for good, with reason and message.
	fail                    bool
	failReason, failMessage string
	// requeue asks for another sync after this long (0: only on events).
	requeue time.Duration
	// backOff names the containers whose restart the crash-loop back-off
	// holds back, for the kubelet's BackOff event.
	backOff []string
}

// DeadlineExceeded is Kubernetes' reason for a pod past activeDeadlineSeconds.
const reasonDeadlineExceeded = "DeadlineExceeded"

// plan decides the next step for pod p given what runs (st) at now.
func plan(p *corev1.Pod, st *pod, now time.Time) decision {
	if p.DeletionTimestamp != nil {
		if st.anyRunning() {
			return decision{stop: true}
		}
		return decision{finalize: true}
	}
	if st.failedReason != "" || st.failedMessage != "" || podFinished(p) {
		return decision{stop: st.anyRunning()}
	}
	var d decision
	if deadline, ok := activeDeadline(p, st); ok {
		if !now.Before(deadline) {
			return decision{stop: true, fail: true, failReason: reasonDeadlineExceeded,
				failMessage: "Pod was active on the node longer than the specified deadline"}
		}
		d.wake(deadline.Sub(now))
	}
	if mainFinished(p, st) {
		// Sidecars outlive the regular containers only while those run.
		return decision{stop: st.anyRunning()}
	}
	if !planInit(p, st, now, &d) {
		return d
	}
	for _, spec := range p.Spec.Containers {
		c := st.containers[spec.Name]
		if c != nil && c.running() {
			continue
		}
		if c != nil && c.exited && !shouldRestart(p.Spec.RestartPolicy, c.last.code) {
			continue
		}
		if c != nil && now.Before(c.notUntil) {
			d.held(c, now)
			continue
		}
		d.start = append(d.start, spec.Name)
	}
	// Ephemeral containers (kubectl debug) start once and never restart;
	// a start that could not happen yet (its image being pulled, its
	// configuration) is tried again, as an app container's is.
	for _, ec := range p.Spec.EphemeralContainers {
		c := st.containers[ec.Name]
		switch {
		case c == nil:
			d.start = append(d.start, ec.Name)
		case c.runs > 0 || c.exited || c.running():
		case now.Before(c.notUntil):
			d.held(c, now)
		default:
			d.start = append(d.start, ec.Name)
		}
	}
	return d
}

// held notes a container that may not start before c.notUntil: a wake-up
// then, and, when it is the crash-loop back-off after an exit (not the
// retry of a start that could not happen), a BackOff event.
func (d *decision) held(c *container, now time.Time) {
	d.wake(c.notUntil.Sub(now))
	if c.exited && c.waiting == "" {
		d.backOff = append(d.backOff, c.name)
	}
}

// planInit runs init containers one at a time, in order. It returns true once
// all have exited 0, so app containers may start. A sidecar (restartPolicy
// Always) does not exit: the next container starts once it runs and its
// startup probe has passed, and it is restarted whenever it exits,
// whatever the pod's restartPolicy.
func planInit(p *corev1.Pod, st *pod, now time.Time, d *decision) bool {
	for i := range p.Spec.InitContainers {
		spec := &p.Spec.InitContainers[i]
		c := st.containers[spec.Name]
		if isSidecar(spec) {
			if !planSidecar(spec.Name, c, now, d) {
				return false
			}
			continue
		}
		switch {
		case c != nil && c.running():
			return false
		case c != nil && c.exited && c.last.code == 0:
			continue
		case c != nil && c.exited && p.Spec.RestartPolicy == corev1.RestartPolicyNever:
			d.fail = true
			return false
		case c != nil && now.Before(c.notUntil):
			d.held(c, now)
			return false
		default:
			d.start = append(d.start, spec.Name)
			return false
		}
	}
	return true
}

// planSidecar starts or restarts one sidecar and says whether the
// containers after it may go on: once it is up (sidecarUp).
func planSidecar(name string, c *container, now time.Time, d *decision) bool {
	switch {
	case c != nil && c.running():
	case c != nil && now.Before(c.notUntil):
		d.held(c, now)
	default:
		d.start = append(d.start, name)
	}
	return sidecarUp(c)
}

// isSidecar: an init container with restartPolicy Always.
func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// sidecarUp: the sidecar runs and its startup probe has passed, or it has
// run before (a restart after a crash does not hold the pod back again).
func sidecarUp(c *container) bool {
	if c == nil {
		return false
	}
	return c.exited || c.running() && (c.probes == nil || c.probes.started.Load())
}

// mainFinished: every regular container has exited for good, so the pod's
// work is done and its sidecars are to stop. Never true under
// restartPolicy Always.
func mainFinished(p *corev1.Pod, st *pod) bool {
	for _, spec := range p.Spec.Containers {
		c := st.containers[spec.Name]
		if c == nil || c.running() || !c.exited || shouldRestart(p.Spec.RestartPolicy, c.last.code) {
			return false
		}
	}
	return len(p.Spec.Containers) > 0
}

// wake keeps the earliest requested re-sync.
func (d *decision) wake(after time.Duration) {
	if after <= 0 {
		after = time.Millisecond
	}
	if d.requeue == 0 || after < d.requeue {
		d.requeue = after
	}
}

// shouldRestart applies the pod's restart policy to an exit code.
// initPolicy is the policy an init container restarts under: one that
// exited 0 has done its work, so the pod's Always means OnFailure for it,
// as in the kubelet.
func initPolicy(pod corev1.RestartPolicy) corev1.RestartPolicy {
	if pod == corev1.RestartPolicyNever {
		return pod
	}
	return corev1.RestartPolicyOnFailure
}

// restartPolicyOf is the policy container name restarts under.
func restartPolicyOf(p *corev1.Pod, name string) corev1.RestartPolicy {
	for _, ec := range p.Spec.EphemeralContainers {
		if ec.Name == name {
			return corev1.RestartPolicyNever
		}
	}
	for i := range p.Spec.InitContainers {
		if p.Spec.InitContainers[i].Name == name && isSidecar(&p.Spec.InitContainers[i]) {
			return corev1.RestartPolicyAlways
		}
		if p.Spec.InitContainers[i].Name == name {
			return initPolicy(p.Spec.RestartPolicy)
		}
	}
	return p.Spec.RestartPolicy
}

func shouldRestart(policy corev1.RestartPolicy, code int32) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return code != 0
	default:
		return true
	}
}

// activeDeadline is when activeDeadlineSeconds runs out, counted from the
// pod's start on this node.
func activeDeadline(p *corev1.Pod, st *pod) (time.Time, bool) {
	if p.Spec.ActiveDeadlineSeconds == nil || st.startTime.IsZero() {
		return time.Time{}, false
	}
	return st.startTime.Add(time.Duration(*p.Spec.ActiveDeadlineSeconds) * time.Second), true
}

// podFinished reports a pod already reported terminal by an earlier run of the
// agent: it must not run again.
func podFinished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded
}
