package apiserver

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

// TestEndpointServiceResolver: a Service port resolves to a ready endpoint
// of its target port; not-ready endpoints, other ports and missing
// Services do not resolve; an ExternalName is used as it is.
func TestEndpointServiceResolver(t *testing.T) {
	svc := func(name string, typ corev1.ServiceType, ports ...corev1.ServicePort) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
			Spec: corev1.ServiceSpec{Type: typ, Ports: ports, ExternalName: "hooks.example.com"}}
	}
	slice := func(name, service string, port *string, target int32, ready bool, ip string) *discoveryv1.EndpointSlice {
		return &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{discoveryv1.LabelServiceName: service}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Name: port, Port: ptr.To(target)}},
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(ready)}}},
		}
	}
	objs := []runtime.Object{
		svc("hook", corev1.ServiceTypeClusterIP, corev1.ServicePort{Port: 443}),
		slice("hook-a", "hook", ptr.To(""), 8443, true, "10.0.0.5"),
		slice("hook-b", "hook", ptr.To(""), 8443, false, "10.0.0.6"),
		svc("named", corev1.ServiceTypeClusterIP, corev1.ServicePort{Name: "https", Port: 443}, corev1.ServicePort{Name: "metrics", Port: 9090}),
		slice("named-a", "named", ptr.To("metrics"), 9091, true, "10.0.0.7"),
		slice("named-b", "named", ptr.To("https"), 9443, true, "10.0.0.8"),
		svc("idle", corev1.ServiceTypeClusterIP, corev1.ServicePort{Port: 443}),
		slice("idle-a", "idle", ptr.To(""), 8443, false, "10.0.0.9"),
		svc("external", corev1.ServiceTypeExternalName),
	}
	f := informers.NewSharedInformerFactory(fake.NewClientset(objs...), 0)
	r := newEndpointServiceResolver(f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	for _, tc := range []struct {
		name    string
		port    int32
		want    string
		wantErr string
	}{
		{"hook", 443, "https://10.0.0.5:8443", ""},
		{"named", 443, "https://10.0.0.8:9443", ""},
		{"named", 8080, "", `no service port 8080 found for service "named"`},
		{"idle", 443, "", `no endpoints available for service "idle"`},
		{"missing", 443, "", `"missing" not found`},
		{"external", 443, "https://hooks.example.com:443", ""},
	} {
		u, err := r.ResolveEndpoint("ns", tc.name, tc.port)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s:%d: error %v, want %q", tc.name, tc.port, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("%s:%d: %v", tc.name, tc.port, err)
		case u.String() != tc.want:
			t.Errorf("%s:%d = %s, want %s", tc.name, tc.port, u, tc.want)
		}
	}
}
