package validation

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	certutil "k8s.io/client-go/util/cert"
)

func TestClusterTrustBundleNames(t *testing.T) {
	bundle := func(name, signer string) *certificatesv1.ClusterTrustBundle {
		return &certificatesv1.ClusterTrustBundle{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: certificatesv1.ClusterTrustBundleSpec{SignerName: signer, TrustBundle: testCertPEM(t)}}
	}
	// The e2e framework's names: the signer with ":" for "/", then a subdomain.
	expectErrs(t, ValidateClusterTrustBundle(bundle("test.test:signer-one:bundle-1", "test.test/signer-one")))
	expectErrs(t, ValidateClusterTrustBundle(bundle("plain.bundle", "")))
	expectErrs(t, ValidateClusterTrustBundle(bundle("no:colons", "")), inv("metadata.name"))
	expectErrs(t, ValidateClusterTrustBundle(bundle("other:bundle", "test.test/signer-one")), inv("metadata.name"))
	expectErrs(t, ValidateClusterTrustBundle(bundle("test.test:signer-one:Bad_Name", "test.test/signer-one")), inv("metadata.name"))
}

// testCertPEM is a freshly made self-signed certificate in PEM.
func testCertPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := certutil.NewSelfSignedCACert(certutil.Config{CommonName: "test"}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
}
