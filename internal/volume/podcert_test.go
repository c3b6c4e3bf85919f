package volume

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

// fakeSigner answers the manager's PodCertificateRequests: it keeps
// them, and issues (or denies) them when told.
type fakeSigner struct {
	t     *testing.T
	clock *clocktesting.FakeClock
	mu    sync.Mutex
	reqs  map[string]*certificatesv1.PodCertificateRequest
	order []string
}

func (s *fakeSigner) create(a clienttesting.Action) (bool, runtime.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := a.(clienttesting.CreateAction).GetObject().(*certificatesv1.PodCertificateRequest).DeepCopy()
	r.Name = fmt.Sprintf("req-%d", len(s.order)+1)
	s.reqs[r.Name] = r
	s.order = append(s.order, r.Name)
	return true, r, nil
}

// get steps the clock while a request is pending, so the manager's wait
// for a signer ends.
func (s *fakeSigner) get(a clienttesting.Action) (bool, runtime.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reqs[a.(clienttesting.GetAction).GetName()]
	if len(r.Status.Conditions) == 0 {
		s.clock.Step(10 * time.Second)
	}
	return true, r.DeepCopy(), nil
}

func (s *fakeSigner) last() *certificatesv1.PodCertificateRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[s.order[len(s.order)-1]]
}

func (s *fakeSigner) issue(name string, lifetime time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reqs[name]
	req, err := x509.ParseCertificateRequest(r.Spec.StubPKCS10Request)
	if err != nil {
		s.t.Fatal(err)
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := s.clock.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: now, NotAfter: now.Add(lifetime), KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: now, NotAfter: now.Add(lifetime)}, ca, req.PublicKey, caKey)
	if err != nil {
		s.t.Fatal(err)
	}
	r.Status = certificatesv1.PodCertificateRequestStatus{
		Conditions:       []metav1.Condition{{Type: certificatesv1.PodCertificateRequestConditionTypeIssued, Status: metav1.ConditionTrue}},
		CertificateChain: "junk between blocks\n" + string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		NotBefore:        ptr.To(metav1.NewTime(now)), NotAfter: ptr.To(metav1.NewTime(now.Add(lifetime))),
		BeginRefreshAt: ptr.To(metav1.NewTime(now.Add(lifetime / 2))),
	}
}

func (s *fakeSigner) deny(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs[name].Status.Conditions = []metav1.Condition{{Type: certificatesv1.PodCertificateRequestConditionTypeDenied, Status: metav1.ConditionTrue, Reason: "No"}}
}

func TestPodCertificateLifecycle(t *testing.T) {
	m, _ := newTestManager(t,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "builder", UID: "sa-uid"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: "node-uid"}})
	clock := m.cfg.Clock.(*clocktesting.FakeClock)
	s := &fakeSigner{t: t, clock: clock, reqs: map[string]*certificatesv1.PodCertificateRequest{}}
	client := m.cfg.Client.(interface {
		PrependReactor(verb, resource string, reaction clienttesting.ReactionFunc)
	})
	client.PrependReactor("create", "podcertificaterequests", s.create)
	client.PrependReactor("get", "podcertificaterequests", s.get)
	p := projectedPod()
	p.Spec.NodeName = "n1"
	src := &corev1.PodCertificateProjection{SignerName: "example.com/s", KeyType: "ECDSAP256", CredentialBundlePath: "bundle.pem",
		KeyPath: "key.pem", CertificateChainPath: "chain.pem", UserAnnotations: map[string]string{"example.com/a": "b"}}
	ctx := context.Background()

	// Pending: the volume is not ready, and the request describes the pod.
	if _, err := m.podCertificatePayload(ctx, p, src, nil); err == nil || !strings.Contains(err.Error(), "waiting for signer") {
		t.Fatalf("pending request: got %v", err)
	}
	first := s.last()
	if sp := first.Spec; sp.PodUID != "pod-uid" || sp.ServiceAccountUID != "sa-uid" || sp.NodeUID != "node-uid" || sp.NodeName != "n1" ||
		*sp.MaxExpirationSeconds != 86400 || sp.UnverifiedUserAnnotations["example.com/a"] != "b" || first.OwnerReferences[0].UID != "pod-uid" {
		t.Errorf("request spec %+v", sp)
	}
	// A second attempt waits on the same request.
	if _, err := m.podCertificatePayload(ctx, p, src, nil); err == nil || len(s.order) != 1 {
		t.Fatalf("second attempt: %v, %d requests", err, len(s.order))
	}

	s.issue(first.Name, 24*time.Hour)
	pl, err := m.podCertificatePayload(ctx, p, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, cert := parseCredential(t, pl["key.pem"].data, pl["chain.pem"].data)
	if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(cert.PublicKey) {
		t.Error("the chain was not issued to the key")
	}
	if string(pl["bundle.pem"].data) != string(pl["key.pem"].data)+string(pl["chain.pem"].data) {
		t.Error("bundle is not key then chain")
	}
	if strings.Contains(string(pl["chain.pem"].data), "junk") {
		t.Error("text between PEM blocks was kept")
	}

	// Past beginRefreshAt: a new key is requested and the issued one
	// serves meanwhile, even when the new request is denied.
	clock.Step(13 * time.Hour)
	pl2, err := m.podCertificatePayload(ctx, p, src, nil)
	if err != nil || string(pl2["key.pem"].data) != string(pl["key.pem"].data) || len(s.order) != 2 {
		t.Fatalf("refresh pending: %v, %d requests", err, len(s.order))
	}
	s.deny(s.last().Name)
	if pl3, err := m.podCertificatePayload(ctx, p, src, nil); err != nil || string(pl3["key.pem"].data) != string(pl["key.pem"].data) {
		t.Fatalf("refresh denied: %v", err)
	}
	// The next attempt asks again, and an issue replaces the credential.
	if _, err := m.podCertificatePayload(ctx, p, src, nil); err != nil || len(s.order) != 3 {
		t.Fatalf("after denial: %v, %d requests", err, len(s.order))
	}
	s.issue(s.last().Name, 24*time.Hour)
	pl4, err := m.podCertificatePayload(ctx, p, src, nil)
	if err != nil || string(pl4["key.pem"].data) == string(pl["key.pem"].data) {
		t.Fatalf("refreshed: %v (key unchanged: %v)", err, err == nil)
	}

	m.Forget(p.UID)
	if !m.certs.nextRefresh(p.UID, clock.Now()).IsZero() {
		t.Error("Forget kept the pod's certificates")
	}
}

func parseCredential(t *testing.T, keyPEM, chainPEM []byte) (crypto.Signer, *x509.Certificate) {
	t.Helper()
	kb, _ := pem.Decode(keyPEM)
	cb, _ := pem.Decode(chainPEM)
	if kb == nil || cb == nil || kb.Type != "PRIVATE KEY" {
		t.Fatalf("key %q / chain %q", keyPEM, chainPEM)
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key.(crypto.Signer), cert
}

func TestTrustBundlePayload(t *testing.T) {
	pemOf := func(cn string) string {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
			NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	a, b, c := pemOf("a"), pemOf("b"), pemOf("c")
	bundle := func(name, signer, data string, lbls map[string]string) *certificatesv1.ClusterTrustBundle {
		return &certificatesv1.ClusterTrustBundle{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls},
			Spec: certificatesv1.ClusterTrustBundleSpec{SignerName: signer, TrustBundle: data}}
	}
	m, _ := newTestManager(t,
		bundle("example.com:s:one", "example.com/s", a+b, map[string]string{"k": "v"}),
		bundle("example.com:s:two", "example.com/s", b, nil),
		bundle("example.com:o:one", "example.com/o", c, map[string]string{"k": "v"}))
	ctx := context.Background()
	signer := func(sel *metav1.LabelSelector) *corev1.ClusterTrustBundleProjection {
		return &corev1.ClusterTrustBundleProjection{SignerName: ptr.To("example.com/s"), LabelSelector: sel, Path: "ca.pem"}
	}
	pl, err := m.trustBundlePayload(ctx, signer(&metav1.LabelSelector{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := pl["ca.pem"].data; strings.Count(string(got), "BEGIN CERTIFICATE") != 2 || strings.Contains(string(got), c) {
		t.Errorf("signer's bundles: %s", got)
	}
	if _, err := m.trustBundlePayload(ctx, signer(nil), nil); err == nil {
		t.Error("a nil selector matches nothing, which is an error unless optional")
	}
	if pl, err := m.trustBundlePayload(ctx, &corev1.ClusterTrustBundleProjection{Name: ptr.To("example.com:o:one"), Path: "ca.pem"}, nil); err != nil || string(pl["ca.pem"].data) != c {
		t.Errorf("by name: %v", err)
	}
	if _, err := m.trustBundlePayload(ctx, &corev1.ClusterTrustBundleProjection{Name: ptr.To("absent"), Path: "ca.pem", Optional: ptr.To(true)}, nil); err != nil {
		t.Errorf("optional absent bundle: %v", err)
	}
}

// TestConcurrentSetupsShareOneRequest: a pod's first mount and a periodic
// refresh asking at once wait on one PodCertificateRequest; each used to
// create its own, and the container could run on the first issued while
// the other was still pending.
func TestConcurrentSetupsShareOneRequest(t *testing.T) {
	m, _ := newTestManager(t,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "builder", UID: "sa-uid"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: "node-uid"}})
	s := &fakeSigner{t: t, clock: m.cfg.Clock.(*clocktesting.FakeClock), reqs: map[string]*certificatesv1.PodCertificateRequest{}}
	client := m.cfg.Client.(interface {
		PrependReactor(verb, resource string, reaction clienttesting.ReactionFunc)
	})
	// A slow create widens the window in which a second setup would find
	// no request in flight.
	client.PrependReactor("create", "podcertificaterequests", func(a clienttesting.Action) (bool, runtime.Object, error) {
		time.Sleep(50 * time.Millisecond)
		return s.create(a)
	})
	client.PrependReactor("get", "podcertificaterequests", s.get)
	p := projectedPod()
	p.Spec.NodeName = "n1"
	src := &corev1.PodCertificateProjection{SignerName: "example.com/s", KeyType: "ECDSAP256", CredentialBundlePath: "bundle.pem"}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = m.podCertificatePayload(context.Background(), p, src, nil)
		}()
	}
	wg.Wait()
	if n := len(s.order); n != 1 {
		t.Fatalf("%d PodCertificateRequests for one pod and source, want 1", n)
	}
}
