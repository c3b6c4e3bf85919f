package apis

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// testSigner is the e2e suite's in-test signer in small: it watches the
// PodCertificateRequests of one signer name in one namespace and issues
// each from its own CA through /status, after a short delay, recording
// when it did.
type testSigner struct {
	name   string
	caKey  *ecdsa.PrivateKey
	caCert *x509.Certificate
	delay  time.Duration

	mu     sync.Mutex
	issued map[string]time.Time // request name → when its status was written
}

func newTestSigner(t *testing.T, name string, delay time.Duration) *testSigner {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test pod CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	return &testSigner{name: name, caKey: key, caCert: ca, delay: delay, issued: map[string]time.Time{}}
}

func (s *testSigner) run(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string) {
	w, err := cs.CertificatesV1().PodCertificateRequests(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "spec.signerName=" + s.name})
	if err != nil {
		t.Errorf("watch PodCertificateRequests: %v", err)
		return
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		pcr, ok := ev.Object.(*certificatesv1.PodCertificateRequest)
		if !ok || len(pcr.Status.Conditions) > 0 {
			continue
		}
		time.Sleep(s.delay)
		if err := s.issue(ctx, cs, pcr); err != nil && ctx.Err() == nil {
			t.Errorf("issue %s: %v", pcr.Name, err)
		}
	}
}

func (s *testSigner) issue(ctx context.Context, cs kubernetes.Interface, pcr *certificatesv1.PodCertificateRequest) error {
	req, err := x509.ParseCertificateRequest(pcr.Spec.StubPKCS10Request)
	if err != nil {
		return err
	}
	// Whole seconds: status times travel as RFC 3339 seconds and must
	// equal the certificate's.
	notBefore := time.Now().Truncate(time.Second)
	lifetime := time.Duration(*pcr.Spec.MaxExpirationSeconds) * time.Second
	leaf := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), NotBefore: notBefore, NotAfter: notBefore.Add(lifetime),
		Subject: pkix.Name{CommonName: pcr.Spec.PodName}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, s.caCert, req.PublicKey, s.caKey)
	if err != nil {
		return err
	}
	chain := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.caCert.Raw})...)
	pcr = pcr.DeepCopy()
	pcr.Status = certificatesv1.PodCertificateRequestStatus{
		Conditions: []metav1.Condition{{Type: certificatesv1.PodCertificateRequestConditionTypeIssued, Status: metav1.ConditionTrue,
			Reason: "Issued", Message: "issued by the test signer", LastTransitionTime: metav1.Now()}},
		CertificateChain: string(chain),
		NotBefore:        ptr.To(metav1.NewTime(notBefore)),
		NotAfter:         ptr.To(metav1.NewTime(notBefore.Add(lifetime))),
		BeginRefreshAt:   ptr.To(metav1.NewTime(notBefore.Add(lifetime / 2))),
	}
	s.mu.Lock()
	s.issued[pcr.Name] = time.Now()
	s.mu.Unlock()
	_, err = cs.CertificatesV1().PodCertificateRequests(pcr.Namespace).UpdateStatus(ctx, pcr, metav1.UpdateOptions{})
	return err
}

func (s *testSigner) issuedAt(name string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.issued[name]
	return at, ok
}

// TestPodCertificateProjection: a pod with a podCertificate projected
// volume starts only once the test's signer has issued its request, and
// its container reads a key and the chain issued to that key.
func TestPodCertificateProjection(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signerName := "apis.example.com/" + ns
	signer := newTestSigner(t, signerName, 3*time.Second)
	go signer.run(ctx, t, cs, ns)

	projection := func(maxSeconds *int32) corev1.Volume {
		return corev1.Volume{Name: "tls", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{{PodCertificate: &corev1.PodCertificateProjection{
				SignerName: signerName, KeyType: "ECDSAP256", MaxExpirationSeconds: maxSeconds,
				CredentialBundlePath: "bundle.pem", KeyPath: "key.pem", CertificateChainPath: "chain.pem",
				UserAnnotations: map[string]string{"spiffe/path-overriding": "/custom"},
			}}},
		}}}
	}
	pod := func(name string, maxSeconds *int32) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "c", Image: "busybox",
				Command:      []string{"sh", "-c", "cat /run/tls/key.pem /run/tls/chain.pem | tee /tmp/both && cmp /run/tls/bundle.pem /tmp/both && echo bundle-ok; sleep 3600"},
				VolumeMounts: []corev1.VolumeMount{{Name: "tls", MountPath: "/run/tls"}}}},
			Volumes: []corev1.Volume{projection(maxSeconds)},
		}}
	}

	// Lifetimes outside [1h, 91d] are refused at creation.
	for _, bad := range []int32{3599, 91*24*3600 + 1} {
		_, err := cs.CoreV1().Pods(ns).Create(ctx, pod("bad", ptr.To(bad)), metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "maxExpirationSeconds") {
			t.Errorf("pod with maxExpirationSeconds %d: got %v, want Invalid", bad, err)
		}
	}

	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod("holder", ptr.To[int32](3600)), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var pcr certificatesv1.PodCertificateRequest
	waitFor(t, func() bool {
		l, err := cs.CertificatesV1().PodCertificateRequests(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.podName=holder"})
		if err != nil || len(l.Items) == 0 {
			return false
		}
		pcr = l.Items[0]
		return true
	}, "the agent's PodCertificateRequest")
	p, err := cs.CoreV1().Pods(ns).Get(ctx, "holder", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := pcr.Spec; s.PodUID != p.UID || string(s.NodeName) != p.Spec.NodeName || s.NodeUID == "" || s.ServiceAccountName != "default" ||
		s.ServiceAccountUID == "" || *s.MaxExpirationSeconds != 3600 || s.UnverifiedUserAnnotations["spiffe/path-overriding"] != "/custom" {
		t.Errorf("request spec %+v does not describe pod %s on %s", s, p.UID, p.Spec.NodeName)
	}

	var started time.Time
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "holder", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Running == nil {
			return false
		}
		started = p.Status.ContainerStatuses[0].State.Running.StartedAt.Time
		return true
	}, "the pod running")
	issued, ok := signer.issuedAt(pcr.Name)
	if !ok {
		t.Fatalf("pod started but request %s was never issued", pcr.Name)
	}
	if started.Before(issued.Truncate(time.Second)) {
		t.Errorf("container started at %v, before the certificate was issued at %v", started, issued)
	}

	var logs string
	waitFor(t, func() bool {
		b, err := cs.CoreV1().Pods(ns).GetLogs("holder", &corev1.PodLogOptions{Container: "c"}).DoRaw(ctx)
		logs = string(b)
		return err == nil && strings.Contains(logs, "bundle-ok")
	}, "the container's output")
	var key crypto.PrivateKey
	var certs []*x509.Certificate
	for rest := []byte(logs); ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY":
			if key, err = x509.ParsePKCS8PrivateKey(b.Bytes); err != nil {
				t.Fatal(err)
			}
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			certs = append(certs, c)
		}
	}
	if key == nil || len(certs) != 2 {
		t.Fatalf("container printed a key %v and %d certificates, want a key and the 2-certificate chain:\n%s", key != nil, len(certs), logs)
	}
	signerKey, ok := key.(crypto.Signer)
	if !ok || !signerKey.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(certs[0].PublicKey) {
		t.Errorf("the leaf certificate was not issued to the mounted key")
	}
	if got := certs[0].NotAfter.Sub(certs[0].NotBefore); got != time.Hour {
		t.Errorf("certificate lifetime %v, want the 1h asked for", got)
	}
	if err := certs[0].CheckSignatureFrom(signer.caCert); err != nil {
		t.Errorf("leaf not signed by the test CA: %v", err)
	}

	out := server(t).Run("-n", ns, "get", "podcertificaterequests")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 ||
		strings.Join(strings.Fields(lines[0]), " ") != "NAME PODNAME SERVICEACCOUNTNAME NODENAME SIGNERNAME STATE" ||
		strings.Join(strings.Fields(lines[1]), " ") != strings.Join([]string{pcr.Name, "holder", "default", p.Spec.NodeName, signerName, "Issued"}, " ") {
		t.Errorf("kubectl get podcertificaterequests:\n%s", out)
	}

	// The request is the signer's to answer: its spec is immutable, and
	// an issued status is final.
	got, err := cs.CertificatesV1().PodCertificateRequests(ns).Get(ctx, pcr.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got.Spec.PodName = "other"
	if _, err := cs.CertificatesV1().PodCertificateRequests(ns).Update(ctx, got, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("changing the spec: got %v, want Invalid", err)
	}
}
