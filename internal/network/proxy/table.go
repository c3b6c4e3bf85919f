package proxy

import (
	"net"
	"sort"
	"strconv"

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
// ("ip:port", ready endpoints only) of every Service port.
type table struct {
	ips   map[string]bool
	ports map[portKey][]string
}

// EndpointsGetter finds a Service's Endpoints (nil when there are none).
type EndpointsGetter func(ns, name string) *corev1.Endpoints

// desired computes the table from Services and their Endpoints. A Service
// port's backends are the ready addresses of the subsets carrying an
// endpoint port of the same name and protocol.
func desired(services []*corev1.Service, endpoints EndpointsGetter) table {
	t := table{ips: map[string]bool{}, ports: map[portKey][]string{}}
	for _, s := range services {
		ip := net.ParseIP(s.Spec.ClusterIP).To4()
		if ip == nil || s.Spec.Type == corev1.ServiceTypeExternalName {
			continue
		}
		t.ips[ip.String()] = true
		ep := endpoints(s.Namespace, s.Name)
		for _, sp := range s.Spec.Ports {
			k := portKey{ip: ip.String(), port: sp.Port, proto: protocol(sp.Protocol)}
			if k.proto != corev1.ProtocolTCP && k.proto != corev1.ProtocolUDP {
				continue
			}
			if b := backends(ep, sp.Name, k.proto); len(b) > 0 {
				t.ports[k] = b
			}
		}
	}
	return t
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
