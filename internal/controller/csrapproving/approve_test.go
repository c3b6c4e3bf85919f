package csrapproving

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
)

func request(t *testing.T, cn string, org []string, dns ...string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn, Organization: org}, DNSNames: dns}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func TestMatchRecognizesNodeClientRequests(t *testing.T) {
	client := []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}
	nodes := []string{"system:nodes"}
	csr := func(user string, req []byte, signer string, usages []certificatesv1.KeyUsage) *certificatesv1.CertificateSigningRequest {
		return &certificatesv1.CertificateSigningRequest{Spec: certificatesv1.CertificateSigningRequestSpec{
			Username: user, Request: req, SignerName: signer, Usages: usages}}
	}
	approved := csr("system:bootstrap:abcdef", request(t, "system:node:a", nodes), KubeletClientSigner, client)
	approved.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue}}
	for _, c := range []struct {
		name string
		csr  *certificatesv1.CertificateSigningRequest
		want string
	}{
		{"bootstrap", csr("system:bootstrap:abcdef", request(t, "system:node:a", nodes), KubeletClientSigner, client), "nodeclient"},
		{"renewal", csr("system:node:a", request(t, "system:node:a", nodes), KubeletClientSigner, client), "selfnodeclient"},
		{"another node's renewal", csr("system:node:b", request(t, "system:node:a", nodes), KubeletClientSigner, client), "nodeclient"},
		{"other signer", csr("system:bootstrap:abcdef", request(t, "system:node:a", nodes), "kubernetes.io/kube-apiserver-client", client), ""},
		{"not a node name", csr("system:bootstrap:abcdef", request(t, "admin", nodes), KubeletClientSigner, client), ""},
		{"masters", csr("system:bootstrap:abcdef", request(t, "system:node:a", []string{"system:masters"}), KubeletClientSigner, client), ""},
		{"with a DNS name", csr("system:bootstrap:abcdef", request(t, "system:node:a", nodes, "a.example"), KubeletClientSigner, client), ""},
		{"server usage", csr("system:bootstrap:abcdef", request(t, "system:node:a", nodes), KubeletClientSigner,
			[]certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageServerAuth}), ""},
		{"already approved", approved, ""},
	} {
		got := ""
		if r := Match(c.csr); r != nil {
			got = r.Subresource
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
