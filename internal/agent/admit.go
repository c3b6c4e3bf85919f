package agent

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/ordo-dev/ordo/internal/network/hostport"
)

// Kubelet's reason and message for a pod whose host ports another pod of
// the node holds (the NodePorts predicate of its admission).
const (
	reasonNodePorts  = "NodePorts"
	messageNodePorts = "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports"
)

// admit is the kubelet's admission of a pod it has not started: a pod
// whose sysctls the node does not allow (SysctlForbidden), or whose host
// ports another active pod of the node holds (NodePorts), fails for good
// with a warning event, before any process of it runs. The scheduler
// checks host ports too; this catches pods bound by name (spec.nodeName).
func (a *Agent) admit(p *corev1.Pod, st *pod) decision {
	if st.sandbox != nil || len(st.containers) > 0 || st.failedReason != "" || p.DeletionTimestamp != nil || podFinished(p) {
		return decision{}
	}
	reason, msg := "", forbiddenSysctl(p, a.cfg.AllowedUnsafeSysctls)
	if msg != "" {
		reason = reasonSysctlForbidden
	} else if a.hostPortsTaken(p) {
		reason, msg = reasonNodePorts, messageNodePorts
	}
	if reason == "" {
		return decision{}
	}
	a.event(p, corev1.EventTypeWarning, reason, "%s", msg)
	return decision{fail: true, failReason: reason, failMessage: msg}
}

// hostPortsTaken: another pod this agent has begun and that has not
// finished holds one of p's host ports.
func (a *Agent) hostPortsTaken(p *corev1.Pod) bool {
	want := hostport.Of(p)
	if len(want) == 0 {
		return false
	}
	pods, err := a.pods.List(labels.Everything())
	if err != nil {
		return false
	}
	for _, other := range pods {
		if other.UID == p.UID || podFinished(other) || !a.begun(other) {
			continue
		}
		if hostport.AnyConflict(want, hostport.Of(other)) {
			return true
		}
	}
	return false
}

// begun: the agent keeps a record of the pod, so it was admitted.
func (a *Agent) begun(p *corev1.Pod) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.state[p.Namespace+"/"+p.Name]
	return st != nil && st.uid == string(p.UID)
}
