package proxy

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDesired(t *testing.T) {
	svc := func(name, ip string, ports ...corev1.ServicePort) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Spec: corev1.ServiceSpec{ClusterIP: ip, Ports: ports}}
	}
	ext := svc("ext", "")
	ext.Spec.Type = corev1.ServiceTypeExternalName
	np := svc("np", "10.43.0.7", corev1.ServicePort{Name: "http", Port: 80, NodePort: 30080})
	np.Spec.Type = corev1.ServiceTypeNodePort
	np.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
	np.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr.To[int32](60)}}
	sticky := svc("sticky", "10.43.0.8", corev1.ServicePort{Name: "http", Port: 80, NodePort: 30081}) // a leftover nodePort on a ClusterIP type
	sticky.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
	services := []*corev1.Service{
		svc("web", "10.43.0.5", corev1.ServicePort{Name: "http", Port: 80}, corev1.ServicePort{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}),
		svc("idle", "10.43.0.6", corev1.ServicePort{Name: "http", Port: 80}),
		svc("headless", corev1.ClusterIPNone, corev1.ServicePort{Name: "http", Port: 80}),
		ext, np, sticky,
	}
	one := &corev1.Endpoints{Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.42.0.5"}}, Ports: []corev1.EndpointPort{{Name: "http", Port: 80}}}}}
	eps := map[string]*corev1.Endpoints{"web": {Subsets: []corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{{IP: "10.42.0.3"}, {IP: "10.42.0.2"}}, NotReadyAddresses: []corev1.EndpointAddress{{IP: "10.42.0.9"}},
			Ports: []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: corev1.ProtocolTCP}, {Name: "dns", Port: 5353, Protocol: corev1.ProtocolUDP}}},
		{Addresses: []corev1.EndpointAddress{{IP: "10.42.0.4"}}, Ports: []corev1.EndpointPort{{Name: "http", Port: 9090, Protocol: corev1.ProtocolTCP}}},
	}}, "np": one, "sticky": one}
	got := desired(services, func(_, name string) *corev1.Endpoints { return eps[name] }, []string{"192.0.2.2"})
	if !reflect.DeepEqual(got.ips, map[string]bool{"10.43.0.5": true, "10.43.0.6": true, "10.43.0.7": true, "10.43.0.8": true}) {
		t.Errorf("ips = %v", got.ips)
	}
	minute, threeHours := portBackends{list: []string{"10.42.0.5:80"}, affinity: time.Minute}, portBackends{list: []string{"10.42.0.5:80"}, affinity: 3 * time.Hour}
	want := map[portKey]portBackends{
		{"10.43.0.5", 80, corev1.ProtocolTCP}:    {list: []string{"10.42.0.2:8080", "10.42.0.3:8080", "10.42.0.4:9090"}},
		{"10.43.0.5", 53, corev1.ProtocolUDP}:    {list: []string{"10.42.0.2:5353", "10.42.0.3:5353"}},
		{"10.43.0.7", 80, corev1.ProtocolTCP}:    minute,
		{"192.0.2.2", 30080, corev1.ProtocolTCP}: minute,
		{"10.43.0.8", 80, corev1.ProtocolTCP}:    threeHours,
	}
	if !reflect.DeepEqual(got.ports, want) {
		t.Errorf("ports = %v, want %v", got.ports, want)
	}
}

func TestRoundRobinOrder(t *testing.T) {
	rr := &roundRobin{}
	rr.set([]string{"a", "b", "c"}, 0)
	var firsts []string
	for range 4 {
		o := rr.order("10.42.0.9")
		if len(o) != 3 {
			t.Fatalf("order %v lost backends", o)
		}
		rr.used("10.42.0.9", o[0])
		firsts = append(firsts, o[0])
	}
	if !reflect.DeepEqual(firsts, []string{"a", "b", "c", "a"}) {
		t.Errorf("first picks = %v", firsts)
	}
}

// TestClientIPAffinity: a client keeps the backend it reached while it
// is back within the timeout, other clients still take turns, and after a
// quiet timeout the client is balanced again.
func TestClientIPAffinity(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	rr := &roundRobin{now: func() time.Time { return now }}
	rr.set([]string{"a", "b", "c"}, time.Minute)
	first := rr.order("10.0.0.1")[0]
	rr.used("10.0.0.1", first)
	for range 5 {
		now = now.Add(50 * time.Second)
		if got := rr.order("10.0.0.1")[0]; got != first {
			t.Fatalf("within the timeout the client moved from %s to %s", first, got)
		}
		rr.used("10.0.0.1", first)
		if other := rr.order("10.0.0.2")[0]; other == "" {
			t.Fatal("no backend for another client")
		}
	}
	now = now.Add(2 * time.Minute)
	seen := map[string]bool{}
	for range 3 {
		seen[rr.order("10.0.0.1")[0]] = true
	}
	if len(seen) < 2 {
		t.Errorf("after the timeout the client still sticks to %v", seen)
	}
}
