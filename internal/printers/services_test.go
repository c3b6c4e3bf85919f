package printers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	services       = schema.GroupResource{Resource: "services"}
	endpoints      = schema.GroupResource{Resource: "endpoints"}
	endpointSlices = schema.GroupResource{Group: "discovery.k8s.io", Resource: "endpointslices"}
)

func TestServiceColumns(t *testing.T) {
	assertColumns(t, services, &corev1.Service{}, columnSet{
		normal: []string{"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"},
		wide:   []string{"Selector"},
	})
}

func service(typ corev1.ServiceType, clusterIP string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "svc", CreationTimestamp: ago(3 * day)},
		Spec: corev1.ServiceSpec{
			Type: typ, ClusterIP: clusterIP, ClusterIPs: []string{clusterIP}, Ports: ports,
			Selector: map[string]string{"app": "web", "tier": "front"},
		},
	}
}

func TestServiceCells(t *testing.T) {
	tcp80 := corev1.ServicePort{Port: 80, Protocol: corev1.ProtocolTCP}
	withStatus := func(s *corev1.Service, f func(*corev1.Service)) *corev1.Service { f(s); return s }
	tests := []struct {
		name                       string
		svc                        *corev1.Service
		clusterIP, external, ports string
	}{
		{"cluster ip", service(corev1.ServiceTypeClusterIP, "10.96.0.10", tcp80, corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolUDP}), "10.96.0.10", "<none>", "80/TCP,53/UDP"},
		{"headless", service(corev1.ServiceTypeClusterIP, "None"), "None", "<none>", "<none>"},
		{"node port", service(corev1.ServiceTypeNodePort, "10.96.0.11", corev1.ServicePort{Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP}), "10.96.0.11", "<none>", "80:30080/TCP"},
		{"cluster ip with external ips", withStatus(service(corev1.ServiceTypeClusterIP, "10.96.0.12", tcp80), func(s *corev1.Service) {
			s.Spec.ExternalIPs = []string{"1.2.3.4", "5.6.7.8"}
		}), "10.96.0.12", "1.2.3.4,5.6.7.8", "80/TCP"},
		{"pending load balancer", service(corev1.ServiceTypeLoadBalancer, "10.96.0.13", tcp80), "10.96.0.13", "<pending>", "80/TCP"},
		{"provisioned load balancer", withStatus(service(corev1.ServiceTypeLoadBalancer, "10.96.0.13", tcp80), func(s *corev1.Service) {
			s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{Hostname: "lb.example.com"}, {IP: "203.0.113.9"}, {IP: "203.0.113.9"}}
			s.Spec.ExternalIPs = []string{"1.2.3.4"}
		}), "10.96.0.13", "203.0.113.9,lb.example.com,1.2.3.4", "80/TCP"},
		{"external name", withStatus(service(corev1.ServiceTypeExternalName, ""), func(s *corev1.Service) {
			s.Spec.ClusterIPs = nil
			s.Spec.ExternalName = "db.example.com"
		}), "<none>", "db.example.com", "<none>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := []any{"svc", string(tt.svc.Spec.Type), tt.clusterIP, tt.external, tt.ports, "3d", "app=web,tier=front"}
			assertCells(t, services, tt.svc, want...)
		})
	}
}

func TestServiceClusterIPFallsBackToSingularField(t *testing.T) {
	svc := service(corev1.ServiceTypeClusterIP, "None")
	svc.Spec.ClusterIPs = nil
	if got := cell(t, services, svc, "Cluster-IP"); got != "None" {
		t.Errorf("cluster ip = %v", got)
	}
}

func TestServiceWithoutSelector(t *testing.T) {
	svc := service(corev1.ServiceTypeClusterIP, "10.0.0.1")
	svc.Spec.Selector = nil
	if got := cell(t, services, svc, "Selector"); got != "<none>" {
		t.Errorf("selector = %v", got)
	}
}

func TestEndpoints(t *testing.T) {
	assertColumns(t, endpoints, &corev1.Endpoints{}, columnSet{normal: []string{"Name", "Endpoints", "Age"}})
	addrs := func(ips ...string) []corev1.EndpointAddress {
		var out []corev1.EndpointAddress
		for _, ip := range ips {
			out = append(out, corev1.EndpointAddress{IP: ip})
		}
		return out
	}
	tests := []struct {
		name    string
		subsets []corev1.EndpointSubset
		want    string
	}{
		{"none", nil, "<none>"},
		{"with ports", []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "fd00::1"), Ports: []corev1.EndpointPort{{Port: 8080}}}}, "10.0.0.1:8080,[fd00::1]:8080"},
		{"headless without ports", []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1")}}, "10.0.0.1"},
		{"more than three", []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2", "10.0.0.3"), Ports: []corev1.EndpointPort{{Port: 80}, {Port: 443}}}}, "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "ep", CreationTimestamp: ago(day)}, Subsets: tt.subsets}
			assertCells(t, endpoints, ep, "ep", tt.want, "24h")
		})
	}
}

func TestEndpointSlices(t *testing.T) {
	assertColumns(t, endpointSlices, &discoveryv1.EndpointSlice{}, columnSet{normal: []string{"Name", "AddressType", "Ports", "Endpoints", "Age"}})
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "svc-abc", CreationTimestamp: ago(5 * day)},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Port: ptr[int32](80)}, {Name: ptr("metrics")}, {}, {Port: ptr[int32](9090)}},
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.0.0.1"}}, {Addresses: []string{"10.0.0.2", "10.0.0.3"}}, {Addresses: []string{"10.0.0.4"}},
		},
	}
	assertCells(t, endpointSlices, slice, "svc-abc", "IPv4", "80,metrics,* + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", "5d")
	empty := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "e"}, AddressType: discoveryv1.AddressTypeIPv6}
	assertCells(t, endpointSlices, empty, "e", "IPv6", "<unset>", "<unset>", "<unknown>")
}
