// Package hostport says which host ports a pod asks for (containers'
// ports[].hostPort) and whether two pods' wishes collide, as the
// scheduler's NodePorts filter and the kubelet's admission decide it. The
// proxy package publishes them.
package hostport

import (
	corev1 "k8s.io/api/core/v1"
)

// Port is one published host port: HostIP:HostPort/Protocol forwarded to
// the pod's ContainerPort. An empty HostIP (or 0.0.0.0) means every
// address of the node.
type Port struct {
	Protocol      corev1.Protocol
	HostIP        string
	HostPort      int32
	ContainerPort int32
}

// Of is every host port pod p asks for. On the host network a container
// port is a host port already, so nothing is published, but the ports
// still count for conflicts (hostPort equals containerPort there).
func Of(p *corev1.Pod) []Port {
	var out []Port
	for _, c := range append(append([]corev1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
		for _, cp := range c.Ports {
			if cp.HostPort == 0 {
				continue
			}
			proto := cp.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			out = append(out, Port{Protocol: proto, HostIP: cp.HostIP, HostPort: cp.HostPort, ContainerPort: cp.ContainerPort})
		}
	}
	return out
}

// Conflict says whether two ports cannot both be published: the same
// protocol and port on the same address, or on any address when either
// asks for all of them.
func Conflict(a, b Port) bool {
	if a.Protocol != b.Protocol || a.HostPort != b.HostPort {
		return false
	}
	return wildcard(a.HostIP) || wildcard(b.HostIP) || a.HostIP == b.HostIP
}

// AnyConflict says whether any port of want collides with one of used.
func AnyConflict(want, used []Port) bool {
	for _, w := range want {
		for _, u := range used {
			if Conflict(w, u) {
				return true
			}
		}
	}
	return false
}

func wildcard(ip string) bool { return ip == "" || ip == "0.0.0.0" || ip == "::" }
