package proxy

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDesired(t *testing.T) {
	svc := func(name, ip string, ports ...corev1.ServicePort) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Spec: corev1.ServiceSpec{ClusterIP: ip, Ports: ports}}
	}
	ext := svc("ext", "")
	ext.Spec.Type = corev1.ServiceTypeExternalName
	services := []*corev1.Service{
		svc("web", "10.43.0.5", corev1.ServicePort{Name: "http", Port: 80}, corev1.ServicePort{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}),
		svc("idle", "10.43.0.6", corev1.ServicePort{Name: "http", Port: 80}),
		svc("headless", corev1.ClusterIPNone, corev1.ServicePort{Name: "http", Port: 80}),
		ext,
	}
	eps := map[string]*corev1.Endpoints{"web": {Subsets: []corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{{IP: "10.42.0.3"}, {IP: "10.42.0.2"}}, NotReadyAddresses: []corev1.EndpointAddress{{IP: "10.42.0.9"}},
			Ports: []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: corev1.ProtocolTCP}, {Name: "dns", Port: 5353, Protocol: corev1.ProtocolUDP}}},
		{Addresses: []corev1.EndpointAddress{{IP: "10.42.0.4"}}, Ports: []corev1.EndpointPort{{Name: "http", Port: 9090, Protocol: corev1.ProtocolTCP}}},
	}}}
	got := desired(services, func(_, name string) *corev1.Endpoints { return eps[name] })
	if !reflect.DeepEqual(got.ips, map[string]bool{"10.43.0.5": true, "10.43.0.6": true}) {
		t.Errorf("ips = %v", got.ips)
	}
	want := map[portKey][]string{
		{"10.43.0.5", 80, corev1.ProtocolTCP}: {"10.42.0.2:8080", "10.42.0.3:8080", "10.42.0.4:9090"},
		{"10.43.0.5", 53, corev1.ProtocolUDP}: {"10.42.0.2:5353", "10.42.0.3:5353"},
	}
	if !reflect.DeepEqual(got.ports, want) {
		t.Errorf("ports = %v, want %v", got.ports, want)
	}
}

func TestRoundRobinOrder(t *testing.T) {
	rr := &roundRobin{}
	rr.set([]string{"a", "b", "c"})
	var firsts []string
	for range 4 {
		o := rr.order()
		if len(o) != 3 {
			t.Fatalf("order %v lost backends", o)
		}
		firsts = append(firsts, o[0])
	}
	if !reflect.DeepEqual(firsts, []string{"a", "b", "c", "a"}) {
		t.Errorf("first picks = %v", firsts)
	}
}
