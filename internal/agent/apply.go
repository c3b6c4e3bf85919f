package agent

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// apply carries out d for pod p; the caller holds st.mu. It returns when to
// sync again.
func (a *Agent) apply(ctx context.Context, p *corev1.Pod, st *pod, d decision) time.Duration {
	st.restartPolicy = p.Spec.RestartPolicy
	st.initNames, st.sidecarNames = map[string]bool{}, map[string]bool{}
	for _, c := range p.Spec.InitContainers {
		st.initNames[c.Name] = true
		st.sidecarNames[c.Name] = isSidecar(&c)
	}
	st.ephemeralNames = map[string]bool{}
	for _, ec := range p.Spec.EphemeralContainers {
		st.ephemeralNames[ec.Name] = true
	}
	requeue := d.requeue
	wake := func(after time.Duration) {
		if after > 0 && (requeue == 0 || after < requeue) {
			requeue = after
		}
	}
	if d.fail && (d.failReason != "" || d.failMessage != "") {
		st.failedReason, st.failedMessage = d.failReason, d.failMessage
	}
	if d.stop {
		wake(a.stop(p, st))
	}
	for _, name := range d.backOff {
		a.event(p, corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container %s in pod %s", name, formatPod(p))
	}
	key := p.Namespace + "/" + p.Name
	for _, name := range d.start {
		if !a.start(ctx, key, p, st, name) {
			retry := configErrorRetry
			if after := st.container(name).notUntil.Sub(a.cfg.Clock.Now()); after > 0 {
				retry = after
			}
			wake(retry)
		}
	}
	if ph := phase(p, st); (ph == corev1.PodSucceeded || ph == corev1.PodFailed) && !st.anyRunning() {
		a.stopSandbox(st)
		a.releaseMemoryVolumes(p, st)
	}
	return requeue
}

// formatPod names a pod in the kubelet's messages: name_namespace(uid).
func formatPod(p *corev1.Pod) string {
	return fmt.Sprintf("%s_%s(%s)", p.Name, p.Namespace, p.UID)
}

func (a *Agent) event(p *corev1.Pod, kind, reason, format string, args ...interface{}) {
	if a.recorder != nil {
		a.recorder.Eventf(p, kind, reason, format, args...)
	}
}
