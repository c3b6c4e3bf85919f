package pki

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"path/filepath"
	"testing"
)

// An agent's serving certificate is accepted only from the cluster CA,
// for server auth, and for the node dialled (or a server's local agent).
func TestVerifyAgentChecksTheNodeName(t *testing.T) {
	dir := t.TempDir()
	caCert, caKey := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if err := newCA(caCert, caKey, "test-ca"); err != nil {
		t.Fatal(err)
	}
	ca, key, err := loadCA(caCert, caKey)
	if err != nil {
		t.Fatal(err)
	}
	otherCert, otherKey := filepath.Join(dir, "other.crt"), filepath.Join(dir, "other.key")
	if err := newCA(otherCert, otherKey, "other-ca"); err != nil {
		t.Fatal(err)
	}
	other, otherSigner, err := loadCA(otherCert, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(name string, cn string, usage x509.ExtKeyUsage, by *x509.Certificate) [][]byte {
		crt, k := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		signer := key
		if by != ca {
			signer = otherSigner
		}
		if err := issue(by, signer, leafTemplate(pkix.Name{CommonName: cn}, usage), crt, k); err != nil {
			t.Fatal(err)
		}
		pair, err := tls.LoadX509KeyPair(crt, k)
		if err != nil {
			t.Fatal(err)
		}
		return pair.Certificate
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	verify := VerifyAgent(roots, "a")
	for _, c := range []struct {
		name string
		raw  [][]byte
		ok   bool
	}{
		{"node a", leaf("a", "system:node:a", x509.ExtKeyUsageServerAuth, ca), true},
		{"a server's local agent", leaf("s", ServingName, x509.ExtKeyUsageServerAuth, ca), true},
		{"node b", leaf("b", "system:node:b", x509.ExtKeyUsageServerAuth, ca), false},
		{"node a's client certificate", leaf("ac", "system:node:a", x509.ExtKeyUsageClientAuth, ca), false},
		{"another CA", leaf("x", "system:node:a", x509.ExtKeyUsageServerAuth, other), false},
		{"nothing", nil, false},
	} {
		if err := verify(c.raw, nil); (err == nil) != c.ok {
			t.Errorf("%s: got %v, want ok=%v", c.name, err, c.ok)
		}
	}
}
