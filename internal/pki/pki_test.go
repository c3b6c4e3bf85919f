package pki

import (
	"bytes"
	"crypto/x509"
	"net"
	"os"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/cert"
)

func TestEnsureCreatesOnceAndCertificatesChainToTheCA(t *testing.T) {
	f := Files{Dir: t.TempDir()}
	if err := Ensure(f, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(f.ServingCert())
	saBefore, _ := os.ReadFile(f.ServiceAccountKey())
	if err := Ensure(f, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(f.ServingCert())
	if saAfter, _ := os.ReadFile(f.ServiceAccountKey()); len(saBefore) == 0 || !bytes.Equal(saBefore, saAfter) {
		t.Fatal("second start replaced the service-account key; every pod's token would stop working")
	}
	if !bytes.Equal(before, after) {
		t.Fatal("second start replaced the serving certificate; existing kubeconfigs would break")
	}
	cas, err := cert.CertsFromFile(f.CACert())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cas[0])
	serving, _ := cert.CertsFromFile(f.ServingCert())
	if _, err := serving[0].Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("serving cert for 127.0.0.1: %v", err)
	}
	admin, _ := cert.CertsFromFile(f.AdminCert())
	if _, err := admin[0].Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("admin client cert: %v", err)
	}
	if admin[0].Subject.Organization[0] != "system:masters" {
		t.Errorf("admin groups %v", admin[0].Subject.Organization)
	}
	if info, _ := os.Stat(f.CAKey()); info.Mode().Perm() != 0o600 {
		t.Errorf("CA key mode %v", info.Mode())
	}
	if info, err := os.Stat(f.ServiceAccountKey()); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("service-account key: %v %v", info, err)
	}

	path := f.Dir + "/kubeconfig.yaml"
	if err := WriteAdminKubeconfig(f, "https://127.0.0.1:6443", path); err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Clusters[cfg.Contexts[cfg.CurrentContext].Cluster].Server != "https://127.0.0.1:6443" {
		t.Errorf("kubeconfig server: %+v", cfg.Clusters)
	}
}

// An existing data directory from before the serving certificate named the
// kubernetes Service's IP must get a certificate that does, from the same CA,
// or in-cluster clients fail to verify the API server.
func TestEnsureReissuesAServingCertificateMissingANewAddress(t *testing.T) {
	f := Files{Dir: t.TempDir()}
	loopback, service := net.ParseIP("127.0.0.1"), net.ParseIP("10.43.0.1")
	if err := Ensure(f, []string{"localhost"}, []net.IP{loopback}); err != nil {
		t.Fatal(err)
	}
	ca, _ := os.ReadFile(f.CACert())
	if err := Ensure(f, []string{"localhost", "kubernetes.default.svc"}, []net.IP{loopback, service}); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(f.CACert()); !bytes.Equal(ca, after) {
		t.Fatal("the CA changed; every kubeconfig and token would break")
	}
	cas, _ := cert.CertsFromFile(f.CACert())
	roots := x509.NewCertPool()
	roots.AddCert(cas[0])
	serving, _ := cert.CertsFromFile(f.ServingCert())
	for _, name := range []string{"10.43.0.1", "kubernetes.default.svc", "127.0.0.1"} {
		if _, err := serving[0].Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("serving cert for %s: %v", name, err)
		}
	}
}
