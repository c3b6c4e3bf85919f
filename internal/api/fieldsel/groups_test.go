package fieldsel

import (
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestGroupKindsSelectTheirOwnFields(t *testing.T) {
	csr := schema.GroupKind{Group: "certificates.k8s.io", Kind: "CertificateSigningRequest"}
	obj := &certificatesv1.CertificateSigningRequest{Spec: certificatesv1.CertificateSigningRequestSpec{SignerName: "example.com/a"}}
	if got := Set(csr, obj, false)["spec.signerName"]; got != "example.com/a" {
		t.Errorf("csr spec.signerName = %q", got)
	}
	svc := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.0.0.1"}}
	if got := Set(schema.GroupKind{Kind: "Service"}, svc, true); got["spec.type"] != "NodePort" || got["spec.clusterIP"] != "10.0.0.1" {
		t.Errorf("service fields %v", got)
	}
	for _, c := range []struct {
		gk    schema.GroupKind
		label string
		want  bool
	}{
		{csr, "spec.signerName", true},
		{schema.GroupKind{Group: "certificates.k8s.io", Kind: "ClusterTrustBundle"}, "spec.signerName", true},
		{schema.GroupKind{Kind: "ReplicationController"}, "status.replicas", true},
		{schema.GroupKind{Group: "resource.k8s.io", Kind: "ResourceSlice"}, "spec.nodeName", true},
		{csr, "spec.username", false},
	} {
		if got := Supported(c.gk, c.label); got != c.want {
			t.Errorf("Supported(%v, %s) = %v, want %v", c.gk, c.label, got, c.want)
		}
	}
}
