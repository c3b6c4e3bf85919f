package endpoints

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func TestUnsupportedServiceFieldsAreNamed(t *testing.T) {
	plain := corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, SessionAffinity: corev1.ServiceAffinityNone}}
	if got := unsupportedServiceFields(&plain); len(got) != 0 {
		t.Errorf("a plain ClusterIP Service warned about %v", got)
	}
	all := corev1.Service{Spec: corev1.ServiceSpec{
		Type: corev1.ServiceTypeNodePort, SessionAffinity: corev1.ServiceAffinityClientIP,
		ExternalIPs: []string{"192.0.2.1"}, ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal,
		InternalTrafficPolicy: ptr.To(corev1.ServiceInternalTrafficPolicyLocal),
	}}
	got := strings.Join(unsupportedServiceFields(&all), "; ")
	for _, want := range []string{"spec.sessionAffinity", "spec.type: NodePort", "spec.externalIPs", "spec.externalTrafficPolicy", "spec.internalTrafficPolicy"} {
		if !strings.Contains(got, want) {
			t.Errorf("warning %q does not name %s", got, want)
		}
	}
}

func TestUnsupportedFieldsWarnOncePerGeneration(t *testing.T) {
	var w warnings
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{UID: "u", Generation: 1}}
	if !w.once(svc) || w.once(svc) {
		t.Fatal("want one warning for generation 1")
	}
	svc.Generation = 2
	if !w.once(svc) {
		t.Fatal("a new generation must warn again")
	}
}

func TestDeletedServicesAreForgotten(t *testing.T) {
	var w warnings
	for _, uid := range []types.UID{"a", "b"} {
		w.once(&corev1.Service{ObjectMeta: metav1.ObjectMeta{UID: uid, Generation: 1}})
	}
	w.forget("a")
	if len(w.seen) != 1 || w.seen["b"] != 1 {
		t.Errorf("remembered %v, want only the live Service b", w.seen)
	}
}
