package validation

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func stubRequest(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func validPCR(t *testing.T, key *ecdsa.PrivateKey) *certificatesv1.PodCertificateRequest {
	return &certificatesv1.PodCertificateRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "pcr", Namespace: "ns", ResourceVersion: "1"},
		Spec: certificatesv1.PodCertificateRequestSpec{
			SignerName: "example.com/signer", PodName: "pod", PodUID: "pod-uid",
			ServiceAccountName: "default", ServiceAccountUID: "sa-uid", NodeName: "node", NodeUID: "node-uid",
			MaxExpirationSeconds: ptr.To[int32](86400), StubPKCS10Request: stubRequest(t, key),
		},
	}
}

func TestValidatePodCertificateRequest(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	cases := []struct {
		name   string
		mutate func(*certificatesv1.PodCertificateRequest)
		want   []want
	}{
		{"valid", func(*certificatesv1.PodCertificateRequest) {}, nil},
		{"no signer", func(r *certificatesv1.PodCertificateRequest) { r.Spec.SignerName = "" }, []want{req("spec.signerName")}},
		{"signer without path", func(r *certificatesv1.PodCertificateRequest) { r.Spec.SignerName = "example.com" }, []want{inv("spec.signerName")}},
		{"signer of one label", func(r *certificatesv1.PodCertificateRequest) { r.Spec.SignerName = "example/signer" }, []want{inv("spec.signerName")}},
		{"identity missing", func(r *certificatesv1.PodCertificateRequest) {
			r.Spec.PodName, r.Spec.PodUID, r.Spec.ServiceAccountName, r.Spec.ServiceAccountUID, r.Spec.NodeName, r.Spec.NodeUID = "", "", "", "", "", ""
		}, []want{inv("spec.podName"), inv("spec.podUID"), inv("spec.serviceAccountName"), inv("spec.serviceAccountUID"), inv("spec.nodeName"), inv("spec.nodeUID")}},
		{"uid too long", func(r *certificatesv1.PodCertificateRequest) { r.Spec.PodUID = types.UID(strings.Repeat("x", 129)) }, []want{tooLong("spec.podUID")}},
		{"no lifetime", func(r *certificatesv1.PodCertificateRequest) { r.Spec.MaxExpirationSeconds = nil }, []want{req("spec.maxExpirationSeconds")}},
		{"under an hour", func(r *certificatesv1.PodCertificateRequest) { r.Spec.MaxExpirationSeconds = ptr.To[int32](3599) }, []want{inv("spec.maxExpirationSeconds")}},
		{"91 days", func(r *certificatesv1.PodCertificateRequest) { r.Spec.MaxExpirationSeconds = ptr.To[int32](7862400) }, nil},
		{"over 91 days", func(r *certificatesv1.PodCertificateRequest) { r.Spec.MaxExpirationSeconds = ptr.To[int32](7862401) }, []want{inv("spec.maxExpirationSeconds")}},
		{"kubernetes.io signer over a day", func(r *certificatesv1.PodCertificateRequest) {
			r.Spec.SignerName = "kubernetes.io/kube-apiserver-client-pod"
			r.Spec.MaxExpirationSeconds = ptr.To[int32](86401)
		}, []want{inv("spec.maxExpirationSeconds")}},
		{"no request", func(r *certificatesv1.PodCertificateRequest) { r.Spec.StubPKCS10Request = nil }, []want{inv("spec")}},
		{"garbage request", func(r *certificatesv1.PodCertificateRequest) { r.Spec.StubPKCS10Request = []byte("junk") }, []want{inv("spec.stubPKCS10Request")}},
		{"P-224 key", func(r *certificatesv1.PodCertificateRequest) { r.Spec.StubPKCS10Request = stubRequest(t, p224) }, []want{inv("spec.stubPKCS10Request")}},
		{"RSA 2048 key", func(r *certificatesv1.PodCertificateRequest) { r.Spec.StubPKCS10Request = stubRequest(t, rsa2048) }, []want{inv("spec.stubPKCS10Request")}},
		{"broken signature", func(r *certificatesv1.PodCertificateRequest) {
			r.Spec.StubPKCS10Request[len(r.Spec.StubPKCS10Request)-3] ^= 0xff
		}, []want{inv("spec.stubPKCS10Request")}},
		{"annotation without domain", func(r *certificatesv1.PodCertificateRequest) {
			r.Spec.UnverifiedUserAnnotations = map[string]string{"spiffe/path": "/x", "bare": "y"}
		}, []want{inv("spec.unverifiedUserAnnotations")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validPCR(t, key)
			c.mutate(r)
			expectErrs(t, ValidatePodCertificateRequest(r), c.want...)
		})
	}
}

func TestValidatePodCertificateRequestUpdate(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	old := validPCR(t, key)
	r := old.DeepCopy()
	r.Labels = map[string]string{"a": "b"}
	expectErrs(t, ValidatePodCertificateRequestUpdate(r, old))
	r.Spec.PodName = "other"
	expectErrs(t, ValidatePodCertificateRequestUpdate(r, old), inv("spec"))
}

// issue signs a leaf for pub with a throwaway CA, valid from notBefore
// for lifetime.
func issue(t *testing.T, pub any, notBefore time.Time, lifetime time.Duration) string {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: notBefore, NotAfter: notBefore.Add(48 * time.Hour), KeyUsage: x509.KeyUsageCertSign}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: notBefore, NotAfter: notBefore.Add(lifetime)}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, pub, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestValidatePodCertificateRequestStatusUpdate(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	cond := func(typ string, status metav1.ConditionStatus) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: "R", Message: "m", LastTransitionTime: metav1.NewTime(now)}
	}
	issued := func(chain string, nb time.Time, life time.Duration, refresh time.Time) certificatesv1.PodCertificateRequestStatus {
		return certificatesv1.PodCertificateRequestStatus{
			Conditions:       []metav1.Condition{cond(certificatesv1.PodCertificateRequestConditionTypeIssued, metav1.ConditionTrue)},
			CertificateChain: chain, NotBefore: ptr.To(metav1.NewTime(nb)), NotAfter: ptr.To(metav1.NewTime(nb.Add(life))),
			BeginRefreshAt: ptr.To(metav1.NewTime(refresh)),
		}
	}
	good := issue(t, &key.PublicKey, now, 24*time.Hour)
	cases := []struct {
		name   string
		old    certificatesv1.PodCertificateRequestStatus
		status certificatesv1.PodCertificateRequestStatus
		want   []want
	}{
		{"issue", certificatesv1.PodCertificateRequestStatus{}, issued(good, now, 24*time.Hour, now.Add(12*time.Hour)), nil},
		{"deny", certificatesv1.PodCertificateRequestStatus{}, certificatesv1.PodCertificateRequestStatus{
			Conditions: []metav1.Condition{cond(certificatesv1.PodCertificateRequestConditionTypeDenied, metav1.ConditionTrue)}}, nil},
		{"deny with a chain", certificatesv1.PodCertificateRequestStatus{}, func() certificatesv1.PodCertificateRequestStatus {
			s := issued(good, now, 24*time.Hour, now.Add(time.Hour))
			s.Conditions[0].Type = certificatesv1.PodCertificateRequestConditionTypeDenied
			return s
		}(), []want{inv("status")}},
		{"unknown condition", certificatesv1.PodCertificateRequestStatus{}, certificatesv1.PodCertificateRequestStatus{
			Conditions: []metav1.Condition{cond("Approved", metav1.ConditionTrue)}}, []want{notSup("status.conditions[0].type")}},
		{"false condition", certificatesv1.PodCertificateRequestStatus{}, certificatesv1.PodCertificateRequestStatus{
			Conditions: []metav1.Condition{cond(certificatesv1.PodCertificateRequestConditionTypeFailed, metav1.ConditionFalse)}}, []want{notSup("status.conditions[0].status")}},
		{"chain without condition", certificatesv1.PodCertificateRequestStatus{}, certificatesv1.PodCertificateRequestStatus{CertificateChain: good}, []want{inv("status")}},
		{"issued to another key", certificatesv1.PodCertificateRequestStatus{}, issued(issue(t, &other.PublicKey, now, 24*time.Hour), now, 24*time.Hour, now.Add(time.Hour)), []want{inv("status.certificateChain")}},
		{"notBefore differs from the leaf", certificatesv1.PodCertificateRequestStatus{}, issued(good, now.Add(time.Second), 24*time.Hour-time.Second, now.Add(time.Hour)), []want{inv("status.notBefore")}},
		{"issued long ago", certificatesv1.PodCertificateRequestStatus{}, func() certificatesv1.PodCertificateRequestStatus {
			nb := now.Add(-time.Hour)
			return issued(issue(t, &key.PublicKey, nb, 24*time.Hour), nb, 24*time.Hour, now)
		}(), []want{inv("status.notBefore")}},
		{"over maxExpirationSeconds", certificatesv1.PodCertificateRequestStatus{}, issued(issue(t, &key.PublicKey, now, 25*time.Hour), now, 25*time.Hour, now.Add(time.Hour)), []want{inv("status.certificateChain")}},
		{"under an hour", certificatesv1.PodCertificateRequestStatus{}, issued(issue(t, &key.PublicKey, now, 59*time.Minute), now, 59*time.Minute, now.Add(20*time.Minute)), []want{inv("status.certificateChain")}},
		{"refresh too early", certificatesv1.PodCertificateRequestStatus{}, issued(good, now, 24*time.Hour, now.Add(time.Minute)), []want{inv("status.beginRefreshAt")}},
		{"refresh too late", certificatesv1.PodCertificateRequestStatus{}, issued(good, now, 24*time.Hour, now.Add(24*time.Hour)), []want{inv("status.beginRefreshAt")}},
		{"times missing", certificatesv1.PodCertificateRequestStatus{}, certificatesv1.PodCertificateRequestStatus{
			Conditions:       []metav1.Condition{cond(certificatesv1.PodCertificateRequestConditionTypeIssued, metav1.ConditionTrue)},
			CertificateChain: good,
		}, []want{req("status.notBefore"), req("status.notAfter"), req("status.beginRefreshAt")}},
		{"issued is final", issued(good, now, 24*time.Hour, now.Add(time.Hour)), certificatesv1.PodCertificateRequestStatus{
			Conditions: []metav1.Condition{cond(certificatesv1.PodCertificateRequestConditionTypeFailed, metav1.ConditionTrue)}}, []want{inv("status")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old := validPCR(t, key)
			old.Status = c.old
			r := old.DeepCopy()
			r.Status = c.status
			expectErrs(t, validatePCRStatusUpdate(r, old, now), c.want...)
		})
	}
}

func TestValidatePodCertificateProjection(t *testing.T) {
	valid := func() *corev1.PodCertificateProjection {
		return &corev1.PodCertificateProjection{SignerName: "e2e.example.com/ns", KeyType: "ECDSAP256", CredentialBundlePath: "bundle.pem"}
	}
	const base = "v.projected.sources[0].podCertificate"
	cases := []struct {
		name   string
		mutate func(*corev1.PodCertificateProjection)
		want   []want
	}{
		{"valid", func(*corev1.PodCertificateProjection) {}, nil},
		{"no signer", func(p *corev1.PodCertificateProjection) { p.SignerName = "" }, []want{req(base + ".signerName")}},
		{"bad signer", func(p *corev1.PodCertificateProjection) { p.SignerName = "no-slash" }, []want{inv(base + ".signerName")}},
		{"unknown key type", func(p *corev1.PodCertificateProjection) { p.KeyType = "RSA2048" }, []want{notSup(base + ".keyType")}},
		{"no key type", func(p *corev1.PodCertificateProjection) { p.KeyType = "" }, []want{notSup(base + ".keyType")}},
		{"1h", func(p *corev1.PodCertificateProjection) { p.MaxExpirationSeconds = ptr.To[int32](3600) }, nil},
		{"less than 1h", func(p *corev1.PodCertificateProjection) { p.MaxExpirationSeconds = ptr.To[int32](3599) }, []want{inv(base + ".maxExpirationSeconds")}},
		{"more than 91d", func(p *corev1.PodCertificateProjection) { p.MaxExpirationSeconds = ptr.To[int32](7862401) }, []want{inv(base + ".maxExpirationSeconds")}},
		{"kubernetes.io more than 24h", func(p *corev1.PodCertificateProjection) {
			p.SignerName = "kubernetes.io/kube-apiserver-client-pod"
			p.MaxExpirationSeconds = ptr.To[int32](86401)
		}, []want{inv(base + ".maxExpirationSeconds")}},
		{"no path", func(p *corev1.PodCertificateProjection) { p.CredentialBundlePath = "" }, []want{req(base)}},
		{"key and chain", func(p *corev1.PodCertificateProjection) {
			p.CredentialBundlePath, p.KeyPath, p.CertificateChainPath = "", "k", "c"
		}, nil},
		{"same path twice", func(p *corev1.PodCertificateProjection) { p.KeyPath = "bundle.pem" }, []want{inv(base + ".keyPath")}},
		{"absolute path", func(p *corev1.PodCertificateProjection) { p.CertificateChainPath = "/etc/chain" }, []want{inv(base + ".certificateChainPath")}},
		{"reserved path", func(p *corev1.PodCertificateProjection) { p.KeyPath = "..key" }, []want{inv(base + ".keyPath")}},
		{"annotation without domain", func(p *corev1.PodCertificateProjection) { p.UserAnnotations = map[string]string{"bare": "x"} }, []want{inv(base + ".userAnnotations")}},
		{"negative user", func(p *corev1.PodCertificateProjection) { p.User = ptr.To[int64](-1) }, []want{inv(base + ".user")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pc := valid()
			c.mutate(pc)
			src := &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{PodCertificate: pc}}}
			expectErrs(t, validateProjected(src, field.NewPath("v", "projected")), c.want...)
		})
	}
	// A token and a certificate writing one file collide.
	src := &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
		{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "bundle.pem"}},
		{PodCertificate: valid()},
	}}
	expectErrs(t, validateProjected(src, field.NewPath("v", "projected")), inv(base[:len(base)-len("[0].podCertificate")]+"[1].podCertificate.credentialBundlePath"))
}

func TestValidateDeviceTaintRule(t *testing.T) {
	valid := func() *resourcev1.DeviceTaintRule {
		return &resourcev1.DeviceTaintRule{
			ObjectMeta: metav1.ObjectMeta{Name: "rule", ResourceVersion: "1"},
			Spec: resourcev1.DeviceTaintRuleSpec{
				DeviceSelector: &resourcev1.DeviceTaintSelector{Driver: ptr.To("gpu.example.com"), Pool: ptr.To("node-1/pool"), Device: ptr.To("gpu-0")},
				Taint:          resourcev1.DeviceTaint{Key: "example.com/broken", Value: "yes", Effect: resourcev1.DeviceTaintEffectNoExecute},
			},
		}
	}
	cases := []struct {
		name   string
		mutate func(*resourcev1.DeviceTaintRule)
		want   []want
	}{
		{"valid", func(*resourcev1.DeviceTaintRule) {}, nil},
		{"no selector", func(r *resourcev1.DeviceTaintRule) { r.Spec.DeviceSelector = nil }, nil},
		{"bad names", func(r *resourcev1.DeviceTaintRule) {
			r.Spec.DeviceSelector = &resourcev1.DeviceTaintSelector{Driver: ptr.To("Bad_Driver"), Pool: ptr.To(""), Device: ptr.To("a.b")}
		}, []want{inv("spec.deviceSelector.driver"), req("spec.deviceSelector.pool"), inv("spec.deviceSelector.device")}},
		{"no key", func(r *resourcev1.DeviceTaintRule) { r.Spec.Taint.Key = "" }, []want{inv("spec.taint.key"), inv("spec.taint.key")}},
		{"bad value", func(r *resourcev1.DeviceTaintRule) { r.Spec.Taint.Value = "not ok" }, []want{inv("spec.taint.value")}},
		{"no effect", func(r *resourcev1.DeviceTaintRule) { r.Spec.Taint.Effect = "" }, []want{req("spec.taint.effect")}},
		{"unknown effect", func(r *resourcev1.DeviceTaintRule) { r.Spec.Taint.Effect = "PreferNoSchedule" }, []want{notSup("spec.taint.effect")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := valid()
			c.mutate(r)
			expectErrs(t, ValidateDeviceTaintRule(r), c.want...)
		})
	}
	old, r := valid(), valid()
	r.Spec.Taint.Effect = resourcev1.DeviceTaintEffectNone
	expectErrs(t, ValidateDeviceTaintRuleUpdate(r, old))
	r.Status.Conditions = make([]metav1.Condition, 9)
	for i := range r.Status.Conditions {
		r.Status.Conditions[i] = metav1.Condition{Type: "T" + string(rune('a'+i)), Status: metav1.ConditionTrue, Reason: "R", LastTransitionTime: metav1.Now()}
	}
	expectErrs(t, ValidateDeviceTaintRuleStatusUpdate(r, old), want{field.ErrorTypeTooMany, "status.conditions"})
}
