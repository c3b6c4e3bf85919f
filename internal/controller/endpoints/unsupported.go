package endpoints

import (
	"fmt"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// unsupportedServiceFields names the Service fields ordo stores but its
// service proxy does not act on. They stay valid, so a manifest written for
// a real cluster still applies; the warning makes the gap visible instead of
// silent.
func unsupportedServiceFields(svc *corev1.Service) []string {
	var out []string
	s := svc.Spec
	if s.SessionAffinity == corev1.ServiceAffinityClientIP {
		out = append(out, "spec.sessionAffinity: ClientIP")
	}
	if s.Type == corev1.ServiceTypeNodePort || s.Type == corev1.ServiceTypeLoadBalancer {
		out = append(out, fmt.Sprintf("spec.type: %s (node ports are allocated, not proxied)", s.Type))
	}
	if len(s.ExternalIPs) > 0 {
		out = append(out, "spec.externalIPs")
	}
	if s.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal {
		out = append(out, "spec.externalTrafficPolicy: Local")
	}
	if s.InternalTrafficPolicy != nil && *s.InternalTrafficPolicy == corev1.ServiceInternalTrafficPolicyLocal {
		out = append(out, "spec.internalTrafficPolicy: Local")
	}
	return out
}

// warnings remembers which generation of each Service was warned about, so
// a resync does not repeat the event.
type warnings struct {
	mu   sync.Mutex
	seen map[types.UID]int64
}

// once reports whether svc's current generation still needs its warning.
func (w *warnings) once(svc *corev1.Service) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen == nil {
		w.seen = map[types.UID]int64{}
	}
	if w.seen[svc.UID] == svc.Generation {
		return false
	}
	w.seen[svc.UID] = svc.Generation
	return true
}

// forget drops a deleted Service, so the map holds only live ones.
func (w *warnings) forget(uid types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.seen, uid)
}

// warnUnsupported emits one UnsupportedFields warning per Service generation
// that sets fields the proxy ignores.
func (c *Controller) warnUnsupported(svc *corev1.Service) {
	fields := unsupportedServiceFields(svc)
	if len(fields) == 0 || !c.warned.once(svc) {
		return
	}
	c.recorder.Eventf(svc, corev1.EventTypeWarning, "UnsupportedFields",
		"ordo's service proxy does not implement these fields yet and ignores them: %s", strings.Join(fields, ", "))
}
