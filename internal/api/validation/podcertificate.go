package validation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/mail"
	"strings"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Kubernetes' limits for pod certificates (pkg/apis/certificates).
const (
	// MinPodCertificateSeconds is the shortest maxExpirationSeconds: 1h.
	MinPodCertificateSeconds = 3600
	// MaxPodCertificateSeconds is the longest for any signer: 91 days.
	MaxPodCertificateSeconds = 91 * 24 * 3600
	// MaxKubernetesPodCertificateSeconds is the longest for the
	// kubernetes.io signers: 24h.
	MaxKubernetesPodCertificateSeconds = 24 * 3600

	maxStubPKCS10RequestSize = 10 * 1024
	maxCertificateChainSize  = 100 * 1024
	maxUIDLength             = 128
)

// PodCertificateKeyTypes are the key types a podCertificate projection may
// ask for, as Kubernetes lists them.
var PodCertificateKeyTypes = []string{"RSA3072", "RSA4096", "ECDSAP256", "ECDSAP384", "ECDSAP521", "ED25519"}

// PodCertificate condition types: at most one of them, always True.
var pcrTerminalConditions = []string{
	certificatesv1.PodCertificateRequestConditionTypeIssued,
	certificatesv1.PodCertificateRequestConditionTypeDenied,
	certificatesv1.PodCertificateRequestConditionTypeFailed,
}

var (
	pcrStubPath      = field.NewPath("spec", "stubPKCS10Request")
	pcrChainPath     = field.NewPath("status", "certificateChain")
	pcrNotBeforePath = field.NewPath("status", "notBefore")
	pcrNotAfterPath  = field.NewPath("status", "notAfter")
	pcrRefreshPath   = field.NewPath("status", "beginRefreshAt")
)

// ValidatePodCertificateRequest validates a new PodCertificateRequest as
// Kubernetes does: the pod's, service account's and node's names and UIDs,
// a signer name, domain-prefixed user annotations, a lifetime within
// [1h, 91d] (24h for kubernetes.io signers), and a self-signed PKCS#10
// request of a supported key type (its signature is the proof that the
// requester holds the key).
func ValidatePodCertificateRequest(r *certificatesv1.PodCertificateRequest) field.ErrorList {
	errs := validateMeta(&r.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	s := &r.Spec
	errs = append(errs, validateSignerName(s.SignerName, specPath.Child("signerName"))...)
	if s.UnverifiedUserAnnotations != nil {
		errs = append(errs, validateUserAnnotations(s.UnverifiedUserAnnotations, specPath.Child("unverifiedUserAnnotations"))...)
	}
	errs = append(errs, msgsToErrs(apivalidation.NameIsDNSSubdomain(s.PodName, false), s.PodName, specPath.Child("podName"))...)
	errs = append(errs, validateRequiredUID(string(s.PodUID), specPath.Child("podUID"))...)
	errs = append(errs, msgsToErrs(apivalidation.ValidateServiceAccountName(s.ServiceAccountName, false), s.ServiceAccountName, specPath.Child("serviceAccountName"))...)
	errs = append(errs, validateRequiredUID(string(s.ServiceAccountUID), specPath.Child("serviceAccountUID"))...)
	errs = append(errs, msgsToErrs(apivalidation.NameIsDNSSubdomain(string(s.NodeName), false), s.NodeName, specPath.Child("nodeName"))...)
	errs = append(errs, validateRequiredUID(string(s.NodeUID), specPath.Child("nodeUID"))...)

	mp := specPath.Child("maxExpirationSeconds")
	if s.MaxExpirationSeconds == nil {
		return append(errs, field.Required(mp, "must be set"))
	}
	limit := int32(MaxPodCertificateSeconds)
	if isKubernetesSigner(s.SignerName) {
		limit = MaxKubernetesPodCertificateSeconds
	}
	if v := *s.MaxExpirationSeconds; v < MinPodCertificateSeconds || v > limit {
		errs = append(errs, field.Invalid(mp, v, fmt.Sprintf("must be in the range [%d, %d]", MinPodCertificateSeconds, limit)))
	}
	if len(s.StubPKCS10Request) == 0 {
		return append(errs, field.Invalid(specPath, field.OmitValueType{}, "exactly one of (stubPKCS10Request) or (pkixPublicKey, proofOfPossession) must be set"))
	}
	return append(errs, validateStubPKCS10Request(s.StubPKCS10Request)...)
}

func validateRequiredUID(uid string, p *field.Path) field.ErrorList {
	switch {
	case uid == "":
		return field.ErrorList{field.Invalid(p, uid, "must not be empty")}
	case len(uid) > maxUIDLength:
		return field.ErrorList{field.TooLong(p, uid, maxUIDLength)}
	}
	return nil
}

// validateUserAnnotations: each key domain-prefixed (case does not
// matter), the whole map within the annotations' size limit.
func validateUserAnnotations(annotations map[string]string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for k := range annotations {
		errs = append(errs, utilvalidation.IsDomainPrefixedKey(p, strings.ToLower(k))...)
	}
	if err := apivalidation.ValidateAnnotationsSize(annotations); err != nil {
		errs = append(errs, field.TooLong(p, "", apivalidation.TotalAnnotationSizeLimitB))
	}
	return errs
}

// validateStubPKCS10Request: a DER PKCS#10 request whose key is RSA 3072
// or 4096, ECDSA P-256, P-384 or P-521, or Ed25519, and whose signature
// verifies with that key. Its contents are not looked at.
func validateStubPKCS10Request(der []byte) field.ErrorList {
	if len(der) > maxStubPKCS10RequestSize {
		return field.ErrorList{field.TooLong(pcrStubPath, der, maxStubPKCS10RequestSize)}
	}
	req, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return field.ErrorList{field.Invalid(pcrStubPath, field.OmitValueType{}, "must be a valid PKCS#10 CSR")}
	}
	if errs := validatePodCertificateKey(req.PublicKey); len(errs) > 0 {
		return errs
	}
	if err := req.CheckSignature(); err != nil {
		return field.ErrorList{field.Invalid(pcrStubPath, field.OmitValueType{}, "invalid signature")}
	}
	return nil
}

func validatePodCertificateKey(pub crypto.PublicKey) field.ErrorList {
	switch k := pub.(type) {
	case ed25519.PublicKey:
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() && k.Curve != elliptic.P521() {
			return field.ErrorList{field.Invalid(pcrStubPath, "curve "+k.Curve.Params().Name, "elliptic public keys must use curve P256, P384, or P521")}
		}
	case *rsa.PublicKey:
		if bits := k.Size() * 8; bits != 3072 && bits != 4096 {
			return field.ErrorList{field.Invalid(pcrStubPath, fmt.Sprintf("%d-bit modulus", bits), "RSA keys must have modulus size 3072 or 4096")}
		}
	default:
		return field.ErrorList{field.Invalid(pcrStubPath, field.OmitValueType{}, "unknown public key type; supported types are Ed25519, ECDSA, and RSA")}
	}
	return nil
}

// ValidatePodCertificateRequestUpdate allows metadata changes only: the
// whole spec is immutable (the strategy keeps the status).
func ValidatePodCertificateRequestUpdate(r, old *certificatesv1.PodCertificateRequest) field.ErrorList {
	errs := validateMetaUpdate(&r.ObjectMeta, &old.ObjectMeta)
	return append(errs, immutable(r.Spec, old.Spec, specPath)...)
}

// ValidatePodCertificateRequestStatusUpdate validates a signer's status
// write against the API server's clock.
func ValidatePodCertificateRequestStatusUpdate(r, old *certificatesv1.PodCertificateRequest) field.ErrorList {
	return validatePCRStatusUpdate(r, old, time.Now())
}

// validatePCRStatusUpdate is Kubernetes' state machine for a
// PodCertificateRequest's status: it stays as it is until it moves, once,
// to Issued, Denied or Failed (at most one of them, status True). A denial
// or failure carries conditions only; an issue carries a chain whose leaf
// was issued to the request's key, notBefore/notAfter equal to the leaf's
// (notBefore within 5 minutes of now), a lifetime of at least an hour and
// at most spec.maxExpirationSeconds, and beginRefreshAt at least 10
// minutes inside the validity. After that nothing changes.
func validatePCRStatusUpdate(r, old *certificatesv1.PodCertificateRequest, now time.Time) field.ErrorList {
	errs := validateMetaUpdate(&r.ObjectMeta, &old.ObjectMeta)
	if len(errs) > 0 {
		return errs
	}
	cp := field.NewPath("status", "conditions")
	terminal := 0
	for i, c := range r.Status.Conditions {
		if !oneOf(c.Type, pcrTerminalConditions) {
			errs = append(errs, field.NotSupported(cp.Index(i).Child("type"), c.Type, pcrTerminalConditions))
			continue
		}
		if terminal++; terminal > 1 {
			errs = append(errs, field.Invalid(cp.Index(i).Child("type"), c.Type, `There may be at most one condition with type "Issued", "Denied", or "Failed"`))
		}
		if c.Status != metav1.ConditionTrue {
			errs = append(errs, field.NotSupported(cp.Index(i).Child("status"), c.Status, []metav1.ConditionStatus{metav1.ConditionTrue}))
		}
	}
	errs = append(errs, metav1validation.ValidateConditions(r.Status.Conditions, cp)...)
	if len(errs) > 0 {
		return errs
	}
	sp := field.NewPath("status")
	if pcrHas(old, "") {
		return sameStatus(r.Status, old.Status, sp, "immutable after PodCertificateRequest is issued, denied, or failed")
	}
	if pcrHas(r, certificatesv1.PodCertificateRequestConditionTypeDenied) || pcrHas(r, certificatesv1.PodCertificateRequestConditionTypeFailed) {
		want := certificatesv1.PodCertificateRequestStatus{Conditions: r.Status.Conditions}
		return sameStatus(r.Status, want, sp, "non-condition status fields must be empty when denying or failing the PodCertificateRequest")
	}
	if pcrHas(r, certificatesv1.PodCertificateRequestConditionTypeIssued) {
		return validatePCRIssue(r, old, now)
	}
	return sameStatus(r.Status, old.Status, sp, `status is immutable unless transitioning to "Issued", "Denied", or "Failed"`)
}

func validatePCRIssue(r, old *certificatesv1.PodCertificateRequest, now time.Time) field.ErrorList {
	st := &r.Status
	chain := st.CertificateChain
	if len(chain) > maxCertificateChainSize {
		return field.ErrorList{field.TooLong(pcrChainPath, chain, maxCertificateChainSize)}
	}
	leafBlock, rest := pem.Decode([]byte(chain))
	if leafBlock == nil {
		return field.ErrorList{field.Invalid(pcrChainPath, chain, "issued certificate chain must contain at least one certificate")}
	}
	if leafBlock.Type != "CERTIFICATE" {
		return field.ErrorList{field.Invalid(pcrChainPath, chain, "issued certificate chain must consist entirely of CERTIFICATE PEM blocks")}
	}
	leaf, err := x509.ParseCertificate(leafBlock.Bytes)
	if err != nil {
		return field.ErrorList{field.Invalid(pcrChainPath, chain, "leaf certificate does not parse as valid X.509")}
	}
	var errs field.ErrorList
	for _, name := range leaf.DNSNames {
		switch {
		case name == "":
			errs = append(errs, field.Invalid(pcrChainPath, name, "leaf certificate should not contain empty DNSName"))
		case strings.Contains(name, ".."):
			errs = append(errs, field.Invalid(pcrChainPath, name, "leaf certificate's DNSName should not contain '..'"))
		case strings.HasPrefix(name, ".") || strings.HasSuffix(name, "."):
			errs = append(errs, field.Invalid(pcrChainPath, name, "leaf certificate's DNSName should not start or end with '.'"))
		}
	}
	for _, addr := range leaf.EmailAddresses {
		if _, err := mail.ParseAddress(addr); err != nil {
			errs = append(errs, field.Invalid(pcrChainPath, addr, "leaf certificate should not contain invalid EmailAddress"))
		}
	}
	req, err := x509.ParseCertificateRequest(old.Spec.StubPKCS10Request)
	if err != nil {
		return append(errs, field.Invalid(pcrStubPath, field.OmitValueType{}, "must be a valid PKCS#10 CSR"))
	}
	if k, ok := req.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(leaf.PublicKey) {
		return append(errs, field.Invalid(pcrChainPath, chain, "leaf certificate was not issued to the requested public key"))
	}
	if st.NotBefore == nil {
		errs = append(errs, field.Required(pcrNotBeforePath, "must be present and consistent with the issued certificate"))
	}
	if st.NotAfter == nil {
		errs = append(errs, field.Required(pcrNotAfterPath, "must be present and consistent with the issued certificate"))
	}
	if st.BeginRefreshAt == nil {
		errs = append(errs, field.Required(pcrRefreshPath, "must be present and in the range [notbefore+10min, notafter-10min]"))
	}
	if len(errs) > 0 {
		return errs
	}
	notBefore, notAfter, refresh := st.NotBefore.Time, st.NotAfter.Time, st.BeginRefreshAt.Time
	lifetime := leaf.NotAfter.Sub(leaf.NotBefore)
	switch {
	case !notBefore.Equal(leaf.NotBefore):
		return field.ErrorList{field.Invalid(pcrNotBeforePath, notBefore, "must be set to the NotBefore time encoded in the leaf certificate")}
	case notBefore.Sub(now).Abs() >= 5*time.Minute:
		return field.ErrorList{field.Invalid(pcrNotBeforePath, notBefore, "must be set to within 5 minutes of kube-apiserver's current time")}
	case !notAfter.Equal(leaf.NotAfter):
		return field.ErrorList{field.Invalid(pcrNotAfterPath, notAfter, "must be set to the NotAfter time encoded in the leaf certificate")}
	case lifetime < time.Hour:
		return field.ErrorList{field.Invalid(pcrChainPath, lifetime, "leaf certificate lifetime must be >= 1 hour")}
	case r.Spec.MaxExpirationSeconds != nil && lifetime > time.Duration(*r.Spec.MaxExpirationSeconds)*time.Second:
		return field.ErrorList{field.Invalid(pcrChainPath, lifetime, fmt.Sprintf("leaf certificate lifetime must be <= spec.maxExpirationSeconds (%v)", *r.Spec.MaxExpirationSeconds))}
	case refresh.Before(notBefore.Add(10 * time.Minute)):
		return field.ErrorList{field.Invalid(pcrRefreshPath, refresh, "must be at least 10 minutes after status.notBefore")}
	case refresh.After(notAfter.Add(-10 * time.Minute)):
		return field.ErrorList{field.Invalid(pcrRefreshPath, refresh, "must be at least 10 minutes before status.notAfter")}
	}
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return nil
		}
		if b.Type != "CERTIFICATE" {
			return field.ErrorList{field.Invalid(pcrChainPath, chain, "issued certificate chain must consist entirely of CERTFICATE PEM blocks")}
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return field.ErrorList{field.Invalid(pcrChainPath, chain, "intermediate certificate does not parse as valid X.509")}
		}
	}
}

// pcrHas reports a True condition of type t; t "" means any of Issued,
// Denied and Failed.
func pcrHas(r *certificatesv1.PodCertificateRequest, t string) bool {
	for _, c := range r.Status.Conditions {
		if c.Status == metav1.ConditionTrue && (c.Type == t || (t == "" && oneOf(c.Type, pcrTerminalConditions))) {
			return true
		}
	}
	return false
}

func sameStatus(a, b certificatesv1.PodCertificateRequestStatus, p *field.Path, detail string) field.ErrorList {
	if apiequality.Semantic.DeepEqual(a, b) {
		return nil
	}
	return field.ErrorList{field.Invalid(p, field.OmitValueType{}, detail)}
}

// validatePodCertificateProjection checks a projected podCertificate
// source as Kubernetes does; claim records each path it writes, so no
// two sources write one file.
func validatePodCertificateProjection(pc *corev1.PodCertificateProjection, p *field.Path, claim func(string, *field.Path)) field.ErrorList {
	errs := validateSignerName(pc.SignerName, p.Child("signerName"))
	if pc.UserAnnotations != nil {
		errs = append(errs, validateUserAnnotations(pc.UserAnnotations, p.Child("userAnnotations"))...)
	}
	if pc.User != nil {
		errs = append(errs, msgsToErrs(utilvalidation.IsValidUserID(*pc.User), *pc.User, p.Child("user"))...)
	}
	if !oneOf(pc.KeyType, PodCertificateKeyTypes) {
		errs = append(errs, field.NotSupported(p.Child("keyType"), pc.KeyType, PodCertificateKeyTypes))
	}
	if m := pc.MaxExpirationSeconds; m != nil {
		if *m < MinPodCertificateSeconds {
			errs = append(errs, field.Invalid(p.Child("maxExpirationSeconds"), *m, "if provided, maxExpirationSeconds must be >= 3600"))
		}
		limit := int32(MaxPodCertificateSeconds)
		if isKubernetesSigner(pc.SignerName) {
			limit = MaxKubernetesPodCertificateSeconds
		}
		if *m > limit {
			errs = append(errs, field.Invalid(p.Child("maxExpirationSeconds"), *m, fmt.Sprintf("if provided, maxExpirationSeconds must be <= %d", limit)))
		}
	}
	n := 0
	for _, f := range []struct {
		path, name string
	}{{pc.CredentialBundlePath, "credentialBundlePath"}, {pc.KeyPath, "keyPath"}, {pc.CertificateChainPath, "certificateChainPath"}} {
		if f.path == "" {
			continue
		}
		n++
		errs = append(errs, validateLocalNonReservedPath(f.path, p.Child(f.name))...)
		claim(f.path, p.Child(f.name))
	}
	if n == 0 {
		errs = append(errs, field.Required(p, "specify at least one of credentialBundlePath, keyPath, and certificateChainPath"))
	}
	return errs
}

// validateLocalNonReservedPath: relative, no "..", not starting with ".."
// (the atomic writer's names).
func validateLocalNonReservedPath(path string, p *field.Path) field.ErrorList {
	errs := validateRelativePath(path, p)
	if strings.HasPrefix(path, "..") {
		errs = append(errs, field.Invalid(p, path, "must not start with '..'"))
	}
	return errs
}
