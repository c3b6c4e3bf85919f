package volume

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sort"
	"sync"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
)

// A podCertificate projected source, as the kubelet's podcertificate
// manager serves it:
//
//	no credential ──create PCR (new key, stub PKCS#10 signed by it)──► pending
//	pending ──signer sets Issued──► issued (key + chain written to the volume)
//	pending ──Denied / Failed──► error (FailedMount); the next attempt starts over
//	issued ──beginRefreshAt──► refreshing: a new key and PCR; the issued
//	          credential serves until the new one is issued or it expires
//
// Prepare waits a little for the signer (issueWait) and otherwise fails
// with a FailedMount, so no container starts before its certificate is in
// the volume; the agent's mount retries and Refresh do the rest.

// issueWait is how long one attempt waits for a signer to answer a new
// request before reporting the volume as not ready.
const issueWait = 15 * time.Second

// podCertKey is one credential of a pod: a pod's sources that ask for the
// same certificate share it.
type podCertKey struct {
	pod         types.UID
	signer      string
	keyType     string
	maxSeconds  int32
	annotations string
}

type podCredential struct {
	// busy serializes the volume's setups for one source: a pod's first
	// mount and a periodic refresh may ask at the same time, and each
	// would otherwise create a request of its own (the first issued is
	// served, the other is issued for nothing), as the kubelet's manager
	// keeps one request per pod and source.
	busy sync.Mutex

	keyPEM         []byte // PKCS#8 PRIVATE KEY
	chainPEM       []byte // CERTIFICATE blocks only
	notAfter       time.Time
	beginRefreshAt time.Time

	// pending is the request in flight (first issue or refresh) and the
	// key it was made for.
	pending    string
	pendingKey []byte
}

// podCertCache holds the agent's pods' certificates.
type podCertCache struct {
	mu    sync.Mutex
	creds map[podCertKey]*podCredential
}

func keyOf(p *corev1.Pod, src *corev1.PodCertificateProjection) podCertKey {
	return podCertKey{pod: p.UID, signer: src.SignerName, keyType: src.KeyType, maxSeconds: maxSecondsOf(src),
		annotations: labels.FormatLabels(src.UserAnnotations)}
}

// maxSecondsOf is the lifetime asked for; PodCertificateRequests default
// it to 24 hours, and the agent sends it explicitly.
func maxSecondsOf(src *corev1.PodCertificateProjection) int32 {
	if src.MaxExpirationSeconds != nil {
		return *src.MaxExpirationSeconds
	}
	return 86400
}

// podCertificatePayload is a podCertificate source's files: the credential
// bundle (key, then chain), and/or the key and chain on their own.
func (m *Manager) podCertificatePayload(ctx context.Context, p *corev1.Pod, src *corev1.PodCertificateProjection, mode *int32) (payload, error) {
	key, chain, err := m.podCertificate(ctx, p, src)
	if err != nil {
		return nil, err
	}
	out := payload{}
	fm := fileMode(mode)
	if src.CredentialBundlePath != "" {
		out[src.CredentialBundlePath] = file{data: append(append([]byte{}, key...), chain...), mode: fm}
	}
	if src.KeyPath != "" {
		out[src.KeyPath] = file{data: key, mode: fm}
	}
	if src.CertificateChainPath != "" {
		out[src.CertificateChainPath] = file{data: chain, mode: fm}
	}
	return out, nil
}

// podCertificate returns the key and chain of src for p, asking a signer
// for them when there are none or they are due for refresh.
func (m *Manager) podCertificate(ctx context.Context, p *corev1.Pod, src *corev1.PodCertificateProjection) ([]byte, []byte, error) {
	k := keyOf(p, src)
	m.certs.mu.Lock()
	if m.certs.creds == nil {
		m.certs.creds = map[podCertKey]*podCredential{}
	}
	c := m.certs.creds[k]
	if c == nil {
		c = &podCredential{}
		m.certs.creds[k] = c
	}
	m.certs.mu.Unlock()
	c.busy.Lock()
	defer c.busy.Unlock()

	now := m.cfg.Clock.Now()
	if c.chainPEM != nil && now.Before(c.beginRefreshAt) {
		return c.keyPEM, c.chainPEM, nil
	}
	if c.pending == "" {
		name, keyPEM, err := m.requestPodCertificate(ctx, p, src)
		if err != nil {
			return m.orCurrent(c, now, fmt.Errorf("create PodCertificateRequest: %w", err))
		}
		m.certs.mu.Lock()
		c.pending, c.pendingKey = name, keyPEM
		m.certs.mu.Unlock()
	}
	wait := time.Duration(0)
	if c.chainPEM == nil {
		wait = issueWait // nothing to serve yet: give the signer a moment
	}
	pcr, err := m.awaitPodCertificate(ctx, p.Namespace, c.pending, wait)
	if err != nil {
		return m.orCurrent(c, now, err)
	}
	if pcr == nil {
		return m.orCurrent(c, now, fmt.Errorf("waiting for signer %q to issue PodCertificateRequest %s/%s", src.SignerName, p.Namespace, c.pending))
	}
	if reason := refused(pcr); reason != "" {
		m.certs.mu.Lock()
		c.pending, c.pendingKey = "", nil
		m.certs.mu.Unlock()
		return m.orCurrent(c, now, fmt.Errorf("PodCertificateRequest %s/%s %s", p.Namespace, pcr.Name, reason))
	}
	m.certs.mu.Lock()
	c.keyPEM, c.chainPEM = c.pendingKey, cleanChain([]byte(pcr.Status.CertificateChain))
	c.notAfter, c.beginRefreshAt = pcr.Status.NotAfter.Time, pcr.Status.BeginRefreshAt.Time
	c.pending, c.pendingKey = "", nil
	m.certs.mu.Unlock()
	return c.keyPEM, c.chainPEM, nil
}

// orCurrent serves the issued credential while it is valid (a refresh in
// progress or failed), else err.
func (m *Manager) orCurrent(c *podCredential, now time.Time, err error) ([]byte, []byte, error) {
	if c.chainPEM != nil && now.Before(c.notAfter) {
		klog.V(2).Info("Serving the current pod certificate while its refresh is not done", "err", err, "notAfter", c.notAfter)
		return c.keyPEM, c.chainPEM, nil
	}
	return nil, nil, err
}

// requestPodCertificate makes a key of the asked type and a
// PodCertificateRequest for it, with the pod's, its service account's and
// its node's names and UIDs, owned by the pod so it goes with it.
func (m *Manager) requestPodCertificate(ctx context.Context, p *corev1.Pod, src *corev1.PodCertificateProjection) (string, []byte, error) {
	key, err := newPodKey(src.KeyType)
	if err != nil {
		return "", nil, err
	}
	stub, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		return "", nil, fmt.Errorf("stub PKCS#10 request: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", nil, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	saName := p.Spec.ServiceAccountName
	if saName == "" {
		saName = "default"
	}
	sa, err := m.cfg.Client.CoreV1().ServiceAccounts(p.Namespace).Get(ctx, saName, metav1.GetOptions{})
	if err != nil {
		return "", nil, fmt.Errorf("get service account %q: %w", saName, err)
	}
	node, err := m.cfg.Client.CoreV1().Nodes().Get(ctx, p.Spec.NodeName, metav1.GetOptions{})
	if err != nil {
		return "", nil, fmt.Errorf("get node %q: %w", p.Spec.NodeName, err)
	}
	maxSeconds := maxSecondsOf(src)
	req := &certificatesv1.PodCertificateRequest{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: p.Namespace, GenerateName: "req-",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: p.Name, UID: p.UID}},
		},
		Spec: certificatesv1.PodCertificateRequestSpec{
			SignerName: src.SignerName, PodName: p.Name, PodUID: p.UID,
			ServiceAccountName: sa.Name, ServiceAccountUID: sa.UID,
			NodeName: types.NodeName(node.Name), NodeUID: node.UID,
			MaxExpirationSeconds: &maxSeconds, StubPKCS10Request: stub,
			UnverifiedUserAnnotations: src.UserAnnotations,
		},
	}
	created, err := m.cfg.Client.CertificatesV1().PodCertificateRequests(p.Namespace).Create(ctx, req, metav1.CreateOptions{})
	if err != nil {
		return "", nil, err
	}
	return created.Name, keyPEM, nil
}

// awaitPodCertificate reads the request until it is Issued, Denied or
// Failed or wait has passed; nil means still pending.
func (m *Manager) awaitPodCertificate(ctx context.Context, ns, name string, wait time.Duration) (*certificatesv1.PodCertificateRequest, error) {
	var got *certificatesv1.PodCertificateRequest
	deadline := m.cfg.Clock.Now().Add(wait)
	err := pollUntil(ctx, 250*time.Millisecond, func() (bool, error) {
		pcr, err := m.cfg.Client.CertificatesV1().PodCertificateRequests(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, fmt.Errorf("get PodCertificateRequest %s/%s: %w", ns, name, err)
		}
		if terminal(pcr) {
			got = pcr
			return true, nil
		}
		return !m.cfg.Clock.Now().Before(deadline), nil
	})
	return got, err
}

func pollUntil(ctx context.Context, every time.Duration, done func() (bool, error)) error {
	return wait.PollUntilContextCancel(ctx, every, true, func(context.Context) (bool, error) { return done() })
}

func terminal(pcr *certificatesv1.PodCertificateRequest) bool {
	for _, c := range pcr.Status.Conditions {
		switch c.Type {
		case certificatesv1.PodCertificateRequestConditionTypeIssued, certificatesv1.PodCertificateRequestConditionTypeDenied,
			certificatesv1.PodCertificateRequestConditionTypeFailed:
			return c.Status == metav1.ConditionTrue
		}
	}
	return false
}

// refused is why a terminal request gave no certificate ("" if issued).
func refused(pcr *certificatesv1.PodCertificateRequest) string {
	for _, c := range pcr.Status.Conditions {
		switch c.Type {
		case certificatesv1.PodCertificateRequestConditionTypeDenied, certificatesv1.PodCertificateRequestConditionTypeFailed:
			return fmt.Sprintf("was %s: %s: %s", c.Type, c.Reason, c.Message)
		}
	}
	return ""
}

// newPodKey makes a key of one of Kubernetes' podCertificate key types.
func newPodKey(keyType string) (crypto.Signer, error) {
	switch keyType {
	case "RSA3072":
		return rsa.GenerateKey(rand.Reader, 3072)
	case "RSA4096":
		return rsa.GenerateKey(rand.Reader, 4096)
	case "ECDSAP256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ECDSAP384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ECDSAP521":
		return ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "ED25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("unknown key type %q", keyType)
}

// cleanChain keeps only the chain's PEM blocks, as CERTIFICATE blocks
// without headers, dropping whatever lies between them.
func cleanChain(in []byte) []byte {
	var out bytes.Buffer
	for rest := in; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return out.Bytes()
		}
		out.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b.Bytes}))
	}
}

// nextRefresh is the earliest beginRefreshAt among pod's certificates
// (zero if none); a pending request counts as due now.
func (c *podCertCache) nextRefresh(pod types.UID, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next time.Time
	for k, cred := range c.creds {
		if k.pod != pod {
			continue
		}
		at := cred.beginRefreshAt
		if cred.pending != "" {
			at = now.Add(5 * time.Second)
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next
}

func (c *podCertCache) forget(pod types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.creds {
		if k.pod == pod {
			delete(c.creds, k)
		}
	}
}

// trustBundlePayload is a clusterTrustBundle source: the certificates of
// the named bundle, or of every bundle of the signer matching the label
// selector, deduplicated and sorted so the file is stable.
func (m *Manager) trustBundlePayload(ctx context.Context, src *corev1.ClusterTrustBundleProjection, mode *int32) (payload, error) {
	optional := src.Optional != nil && *src.Optional
	var bundles []certificatesv1.ClusterTrustBundle
	switch {
	case src.Name != nil:
		b, err := m.cfg.Client.CertificatesV1().ClusterTrustBundles().Get(ctx, *src.Name, metav1.GetOptions{})
		if err != nil && !(optional && apierrors.IsNotFound(err)) {
			return nil, fmt.Errorf("get ClusterTrustBundle %q: %w", *src.Name, err)
		}
		if err == nil {
			bundles = append(bundles, *b)
		}
	case src.SignerName != nil:
		sel := labels.Nothing()
		if src.LabelSelector != nil {
			s, err := metav1.LabelSelectorAsSelector(src.LabelSelector)
			if err != nil {
				return nil, err
			}
			sel = s
		}
		list, err := m.cfg.Client.CertificatesV1().ClusterTrustBundles().List(ctx, metav1.ListOptions{
			FieldSelector: "spec.signerName=" + *src.SignerName, LabelSelector: sel.String()})
		if err != nil {
			return nil, fmt.Errorf("list ClusterTrustBundles of signer %q: %w", *src.SignerName, err)
		}
		for _, b := range list.Items {
			if b.Spec.SignerName == *src.SignerName && sel.Matches(labels.Set(b.Labels)) {
				bundles = append(bundles, b)
			}
		}
	default:
		return nil, fmt.Errorf("ClusterTrustBundle projection requires either name or signerName to be set")
	}
	seen := map[string]bool{}
	var blocks []string
	for _, b := range bundles {
		for rest := []byte(b.Spec.TrustBundle); ; {
			var blk *pem.Block
			if blk, rest = pem.Decode(rest); blk == nil {
				break
			}
			enc := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: blk.Bytes}))
			if !seen[enc] {
				seen[enc] = true
				blocks = append(blocks, enc)
			}
		}
	}
	if len(blocks) == 0 && !optional {
		return nil, fmt.Errorf("no trust anchors found for ClusterTrustBundle projection")
	}
	sort.Strings(blocks)
	var data bytes.Buffer
	for _, b := range blocks {
		data.WriteString(b)
	}
	return payload{src.Path: {data: data.Bytes(), mode: fileMode(mode)}}, nil
}
