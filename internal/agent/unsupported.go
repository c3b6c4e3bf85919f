package agent

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/api/unsupported"
)

// warnUnsupported emits one warning event naming the ignored fields.
func (a *Agent) warnUnsupported(p *corev1.Pod) {
	if msg := unsupported.Warning(unsupported.PodSpec(&p.Spec, "spec")); msg != "" {
		a.event(p, corev1.EventTypeWarning, "UnsupportedFields", "%s", msg)
	}
}
