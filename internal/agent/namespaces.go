package agent

import (
	"github.com/ordo-dev/ordo/internal/runtime"
	corev1 "k8s.io/api/core/v1"
)

// sandboxConfig is the sandbox a pod asks for: its hostname and which of
// the host's namespaces it keeps (hostNetwork also when the node has no pod
// networking, hostIPC, hostPID) or which PID namespace its containers share
// (shareProcessNamespace).
func sandboxConfig(p *corev1.Pod, nodeHasNetwork bool) runtime.SandboxConfig {
	return runtime.SandboxConfig{
		Hostname:    hostname(p),
		HostNetwork: p.Spec.HostNetwork || !nodeHasNetwork,
		HostIPC:     p.Spec.HostIPC,
		PID:         pidNamespace(p),
		Sysctls:     podSysctls(p),
	}
}

// pidNamespace maps hostPID and shareProcessNamespace onto a PID namespace
// mode. Kubernetes' validation forbids setting both; should a pod get past
// it, hostPID wins, since it is the one that asks for more.
func pidNamespace(p *corev1.Pod) runtime.PIDNamespace {
	switch {
	case p.Spec.HostPID:
		return runtime.PIDHost
	case p.Spec.ShareProcessNamespace != nil && *p.Spec.ShareProcessNamespace:
		return runtime.PIDPod
	}
	return runtime.PIDPerContainer
}
