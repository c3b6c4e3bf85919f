package svcendpoints

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

func slice(name, svc string, ready *bool, host string, ips ...string) *discoveryv1.EndpointSlice {
	es := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "ns", Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("db"), Port: ptr.To[int32](5432), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
	for _, ip := range ips {
		e := discoveryv1.Endpoint{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: ready}}
		if host != "" {
			e.Hostname = ptr.To(host)
		}
		es.Endpoints = append(es.Endpoints, e)
	}
	return es
}

func newView(t *testing.T, objs ...interface{}) *View {
	t.Helper()
	f := informers.NewSharedInformerFactory(fake.NewClientset(), 0)
	v, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		switch o := o.(type) {
		case *discoveryv1.EndpointSlice:
			err = f.Discovery().V1().EndpointSlices().Informer().GetIndexer().Add(o)
		case *corev1.Endpoints:
			err = f.Core().V1().Endpoints().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return v
}

// A Service's slices win over its Endpoints: a hand-written slice of a
// selector-less Service is served, ready and not-ready endpoints are kept
// apart, and hostnames and ports carry over.
func TestSlicesAreTheSource(t *testing.T) {
	stale := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "pg"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.0.0.99"}}}}}
	v := newView(t, stale,
		slice("pg-b", "pg", ptr.To(false), "", "10.0.0.3"),
		slice("pg-a", "pg", nil, "pg-0", "10.0.0.1", "10.0.0.2"),
		slice("other", "web", nil, "", "10.0.0.9"))
	ep := v.Get("ns", "pg")
	if ep == nil || len(ep.Subsets) != 2 {
		t.Fatalf("view %+v, want a subset per slice", ep)
	}
	a, b := ep.Subsets[0], ep.Subsets[1]
	if len(a.Addresses) != 2 || a.Addresses[0].IP != "10.0.0.1" || a.Addresses[0].Hostname != "pg-0" {
		t.Errorf("ready endpoints of pg-a: %+v", a.Addresses)
	}
	if len(b.Addresses) != 0 || len(b.NotReadyAddresses) != 1 || b.NotReadyAddresses[0].IP != "10.0.0.3" {
		t.Errorf("pg-b's endpoint is not ready: %+v", b)
	}
	if p := a.Ports; len(p) != 1 || p[0].Name != "db" || p[0].Port != 5432 || p[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("ports %+v", p)
	}
}

// Without slices, the Endpoints object answers; with neither, nil.
func TestEndpointsWhenThereAreNoSlices(t *testing.T) {
	manual := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "external"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.10"}}}}}
	v := newView(t, manual)
	if ep := v.Get("ns", "external"); ep == nil || ep.Subsets[0].Addresses[0].IP != "192.0.2.10" {
		t.Errorf("hand-written Endpoints: %+v", ep)
	}
	if ep := v.Get("ns", "nothing"); ep != nil {
		t.Errorf("a Service with no endpoints: %+v", ep)
	}
}
