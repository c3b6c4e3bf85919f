package proxy

import (
	"net"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// portKey is one Service port on the node: ClusterIP, port, protocol.
type portKey struct {
	ip    string
	port  int32
	proto corev1.Protocol
}

func (k portKey) addr() string { return net.JoinHostPort(k.ip, strconv.Itoa(int(k.port))) }

// table is the wanted state: every ClusterIP to hold, and the backends
// of every Service port, on its ClusterIP and on each node-port address.
type table struct {
	ips   map[string]bool
	ports map[portKey]portBackends
}

// portBackends are a port's ready endpoints ("ip:port") and its Service's
// ClientIP session affinity timeout (0: none).
type portBackends struct {
	list     []string
	affinity time.Duration
}

// EndpointsGetter finds a Service's Endpoints (nil when there are none).
type EndpointsGetter func(ns, name string) *corev1.Endpoints

// desired computes the table from Services and their Endpoints. A Service
// port's backends are the ready addresses of the subsets carrying an
// endpoint port of the same name and protocol. NodePort and LoadBalancer
// Services are also served on each of nodePortIPs at their node ports.
func desired(services []*corev1.Service, endpoints EndpointsGetter, nodePortIPs []string) table {
	t := table{ips: map[string]bool{}, ports: map[portKey]portBackends{}}
	for _, s := range services {
		ip := net.ParseIP(s.Spec.ClusterIP).To4()
		if ip == nil || s.Spec.Type == corev1.ServiceTypeExternalName {
			continue
		}
		t.ips[ip.String()] = true
		ep := endpoints(s.Namespace, s.Name)
		for _, sp := range s.Spec.Ports {
			proto := protocol(sp.Protocol)
			if proto != corev1.ProtocolTCP && proto != corev1.ProtocolUDP {
				continue
			}
			b := backends(ep, sp.Name, proto)
			if len(b) == 0 {
				continue
			}
			pb := portBackends{list: b, affinity: affinityOf(s)}
			t.ports[portKey{ip: ip.String(), port: sp.Port, proto: proto}] = pb
			if sp.NodePort == 0 || (s.Spec.Type != corev1.ServiceTypeNodePort && s.Spec.Type != corev1.ServiceTypeLoadBalancer) {
				continue
			}
			for _, nodeIP := range nodePortIPs {
				t.ports[portKey{ip: nodeIP, port: sp.NodePort, proto: proto}] = pb
			}
		}
	}
	return t
}

// affinityOf is a Service's ClientIP session affinity timeout: 0 without
// affinity, else timeoutSeconds, 10800 (3 hours) by default.
func affinityOf(s *corev1.Service) time.Duration {
	if s.Spec.SessionAffinity != corev1.ServiceAffinityClientIP {
		return 0
	}
	if c := s.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
		return time.Duration(*c.ClientIP.TimeoutSeconds) * time.Second
	}
	return time.Duration(corev1.DefaultClientIPServiceAffinitySeconds) * time.Second
}

func backends(ep *corev1.Endpoints, portName string, proto corev1.Protocol) []string {
	if ep == nil {
		return nil
	}
	var out []string
	for _, sub := range ep.Subsets {
		for _, p := range sub.Ports {
			if p.Name != portName || protocol(p.Protocol) != proto {
				continue
			}
			for _, a := range sub.Addresses {
				out = append(out, net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
			}
		}
	}
	sort.Strings(out)
	return out
}

func protocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}
