package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func svcPort(name string, port int32) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: port, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(port)}
}

func validService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: objMeta("web"),
		Spec: corev1.ServiceSpec{
			Type:            corev1.ServiceTypeClusterIP,
			Selector:        map[string]string{"app": "web"},
			Ports:           []corev1.ServicePort{svcPort("", 80)},
			SessionAffinity: corev1.ServiceAffinityNone,
		},
	}
}

func TestValidateService(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(s *corev1.Service)
		wants  []want
	}{
		{"valid", func(s *corev1.Service) {}, nil},
		{"name is DNS-1035", func(s *corev1.Service) { s.Name = "1web" }, []want{inv("metadata.name")}},
		{"type", func(s *corev1.Service) { s.Spec.Type = "Mesh" }, []want{notSup("spec.type")}},
		{"ports required", func(s *corev1.Service) { s.Spec.Ports = nil }, []want{req("spec.ports")}},
		{"headless without ports", func(s *corev1.Service) { s.Spec.Ports = nil; s.Spec.ClusterIP = corev1.ClusterIPNone }, nil},
		{"external name", func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeExternalName
			s.Spec.Ports = nil
			s.Spec.ExternalName = "db.example.com"
		}, nil},
		{"external name required", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName },
			[]want{req("spec.externalName")}},
		{"port values", func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{svcPort("a", 0), svcPort("a", 81), svcPort("", 82),
				{Name: "c", Port: 83, Protocol: "ICMP", TargetPort: intstr.FromString("Bad_Name")}}
		}, []want{inv("spec.ports[0].port"), inv("spec.ports[0].targetPort"), dup("spec.ports[1].name"), req("spec.ports[2].name"),
			notSup("spec.ports[3].protocol"), inv("spec.ports[3].targetPort")}},
		{"duplicate port", func(s *corev1.Service) { s.Spec.Ports = []corev1.ServicePort{svcPort("a", 80), svcPort("b", 80)} },
			[]want{dup("spec.ports[1]")}},
		{"node port on ClusterIP", func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30080 },
			[]want{forbidden("spec.ports[0].nodePort")}},
		{"node port on NodePort", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort; s.Spec.Ports[0].NodePort = 30080 }, nil},
		{"cluster IP", func(s *corev1.Service) { s.Spec.ClusterIP = "10.0.0.300" }, []want{inv("spec.clusterIP")}},
		{"cluster IP valid", func(s *corev1.Service) { s.Spec.ClusterIP = "10.0.0.10"; s.Spec.ClusterIPs = []string{"10.0.0.10"} }, nil},
		{"selector", func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "a b"} }, []want{inv("spec.selector")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := validService()
			tc.mutate(s)
			expectErrs(t, Create(s), tc.wants...)
		})
	}
}

func TestServiceClusterIPImmutable(t *testing.T) {
	old := validService()
	rv(&old.ObjectMeta)
	old.Spec.ClusterIP = "10.0.0.10"
	s := old.DeepCopy()
	s.Spec.ClusterIP = "10.0.0.11"
	errs := Update(s, old)
	expectErrs(t, errs, inv("spec.clusterIP"))
	expectDetail(t, errs, "spec.clusterIP", "field is immutable")

	unset := validService()
	rv(&unset.ObjectMeta)
	s = unset.DeepCopy()
	s.Spec.ClusterIP = "10.0.0.12" // allocation of a not-yet-set IP
	expectErrs(t, Update(s, unset))
}

func TestEndpointsAndSlices(t *testing.T) {
	ep := &corev1.Endpoints{ObjectMeta: objMeta("web"), Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "10.1.0.1"}, {IP: "nope"}},
		Ports:     []corev1.EndpointPort{{Name: "a", Port: 80, Protocol: corev1.ProtocolTCP}, {Port: 0, Protocol: corev1.ProtocolTCP}},
	}}}
	expectErrs(t, Create(ep), inv("subsets[0].addresses[1].ip"), req("subsets[0].ports[1].name"), inv("subsets[0].ports[1].port"))

	es := &discoveryv1.EndpointSlice{
		ObjectMeta:  objMeta("web-abc"),
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.1.0.1"}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](80), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
	expectErrs(t, Create(es))
	bad := es.DeepCopy()
	bad.AddressType = "IPv5"
	bad.Endpoints = append(bad.Endpoints, discoveryv1.Endpoint{})
	bad.Ports = append(bad.Ports, discoveryv1.EndpointPort{Name: ptr.To("http")})
	expectErrs(t, Create(bad), notSup("addressType"), req("endpoints[1].addresses"), dup("ports[1].name"), req("ports[1].protocol"))
	rv(&es.ObjectMeta)
	upd := es.DeepCopy()
	upd.AddressType = discoveryv1.AddressTypeFQDN
	upd.Endpoints[0].Addresses = []string{"web.example.com"}
	expectErrs(t, Update(upd, es), inv("addressType"))
}
