package csrsigning

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/utils/ptr"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func request(t *testing.T, subject pkix.Name, signer string, usages ...certificatesv1.KeyUsage) *certificatesv1.CertificateSigningRequest {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subject}, key)
	if err != nil {
		t.Fatal(err)
	}
	return &certificatesv1.CertificateSigningRequest{Spec: certificatesv1.CertificateSigningRequestSpec{
		Request: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), SignerName: signer, Usages: usages,
	}, Status: certificatesv1.CertificateSigningRequestStatus{Conditions: []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateApproved}}}}
}

func TestDecide(t *testing.T) {
	jane := pkix.Name{CommonName: "jane"}
	pending := request(t, jane, KubeAPIServerClientSigner, "client auth")
	pending.Status.Conditions = nil
	denied := request(t, jane, KubeAPIServerClientSigner, "client auth")
	denied.Status.Conditions = append(denied.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{Type: certificatesv1.CertificateDenied})
	issued := request(t, jane, KubeAPIServerClientSigner, "client auth")
	issued.Status.Certificate = []byte("x")
	cases := []struct {
		name string
		csr  *certificatesv1.CertificateSigningRequest
		sign bool
		fail bool
	}{
		{"approved client request", request(t, jane, KubeAPIServerClientSigner, "client auth", "digital signature"), true, false},
		{"pending", pending, false, false},
		{"denied", denied, false, false},
		{"already issued", issued, false, false},
		{"another signer's", request(t, jane, "example.com/signer", "client auth"), false, false},
		{"server auth for a client signer", request(t, jane, KubeAPIServerClientSigner, "client auth", "server auth"), false, true},
		{"no client auth", request(t, jane, KubeAPIServerClientSigner, "digital signature"), false, true},
		{"kubelet without system:nodes", request(t, pkix.Name{CommonName: "system:node:n1"}, KubeAPIServerClientKubeletSigner, "client auth"), false, true},
		{"kubelet", request(t, pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}}, KubeAPIServerClientKubeletSigner, "client auth"), true, false},
		{"kubelet serving without names", request(t, pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}}, KubeletServingSigner, "server auth"), false, true},
		{"kubelet serving for a client", request(t, pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}}, KubeletServingSigner, "client auth"), false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.csr)
			if d.Sign != c.sign || (d.Fail != "") != c.fail {
				t.Errorf("Decide = %+v, want sign %v fail %v", d, c.sign, c.fail)
			}
		})
	}
}

func TestSignHonoursExpirationAndTheCA(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(30 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, caKey.Public(), caKey)
	caCert, _ := x509.ParseCertificate(der)
	ca := CA{Cert: caCert, Key: caKey}
	for _, c := range []struct {
		seconds *int32
		want    time.Duration
	}{{ptr.To[int32](3600), time.Hour}, {nil, 30*24*time.Hour - 0}} {
		csr := request(t, pkix.Name{CommonName: "jane", Organization: []string{"devs"}}, KubeAPIServerClientSigner, "client auth")
		csr.Spec.ExpirationSeconds = c.seconds
		out, err := Sign(csr, ca, now)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode(out)
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if got := cert.NotAfter.Sub(now); got != c.want {
			t.Errorf("expirationSeconds %v: lives %s past now, want %s (capped by the CA)", c.seconds, got, c.want)
		}
		if cert.Subject.CommonName != "jane" || cert.Subject.Organization[0] != "devs" || cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
			t.Errorf("certificate subject %v usages %v", cert.Subject, cert.ExtKeyUsage)
		}
		if err := cert.CheckSignatureFrom(caCert); err != nil {
			t.Error(err)
		}
	}
}
