package validation

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	pathvalidation "k8s.io/apimachinery/pkg/api/validation/path"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Kubernetes' limits and names for certificate signing requests.
const (
	minCSRExpirationSeconds = 600
	// LegacyUnknownSigner is the signer certificates/v1 refuses.
	LegacyUnknownSigner = "kubernetes.io/legacy-unknown"
)

var (
	csrUsages = []certificatesv1.KeyUsage{
		certificatesv1.UsageSigning, certificatesv1.UsageDigitalSignature, certificatesv1.UsageContentCommitment,
		certificatesv1.UsageKeyEncipherment, certificatesv1.UsageKeyAgreement, certificatesv1.UsageDataEncipherment,
		certificatesv1.UsageCertSign, certificatesv1.UsageCRLSign, certificatesv1.UsageEncipherOnly,
		certificatesv1.UsageDecipherOnly, certificatesv1.UsageAny, certificatesv1.UsageServerAuth,
		certificatesv1.UsageClientAuth, certificatesv1.UsageCodeSigning, certificatesv1.UsageEmailProtection,
		certificatesv1.UsageSMIME, certificatesv1.UsageIPsecEndSystem, certificatesv1.UsageIPsecTunnel,
		certificatesv1.UsageIPsecUser, certificatesv1.UsageTimestamping, certificatesv1.UsageOCSPSigning,
		certificatesv1.UsageMicrosoftSGC, certificatesv1.UsageNetscapeSGC,
	}
	csrConditionStatuses = []corev1.ConditionStatus{corev1.ConditionTrue, corev1.ConditionFalse, corev1.ConditionUnknown}
	csrConditionsPath    = field.NewPath("status", "conditions")
)

// ValidateCertificateSigningRequest validates a new CSR: a PEM request,
// a signer name (never the legacy one, in v1), known usages and an
// expiration of at least ten minutes.
func ValidateCertificateSigningRequest(csr *certificatesv1.CertificateSigningRequest) field.ErrorList {
	errs := validateMeta(&csr.ObjectMeta, false, csrName)
	return append(errs, validateCSRSpec(&csr.Spec)...)
}

func csrName(name string, _ bool) []string { return pathvalidation.IsValidPathSegmentName(name) }

func validateCSRSpec(s *certificatesv1.CertificateSigningRequestSpec) field.ErrorList {
	var errs field.ErrorList
	rp := specPath.Child("request")
	if err := parseCSR(s.Request); err != nil {
		errs = append(errs, field.Invalid(rp, "<omitted>", err.Error()))
	}
	sp := specPath.Child("signerName")
	switch {
	case s.SignerName == "":
		errs = append(errs, field.Required(sp, ""))
	case s.SignerName == LegacyUnknownSigner:
		errs = append(errs, field.Invalid(sp, s.SignerName, "the legacy signerName is not allowed via this API version"))
	default:
		errs = append(errs, validateSignerName(s.SignerName, sp)...)
	}
	up := specPath.Child("usages")
	if len(s.Usages) == 0 {
		errs = append(errs, field.Required(up, ""))
	}
	seen := map[certificatesv1.KeyUsage]bool{}
	for i, u := range s.Usages {
		if !oneOf(u, csrUsages) {
			errs = append(errs, field.NotSupported(up.Index(i), u, csrUsages))
		}
		if seen[u] {
			errs = append(errs, field.Duplicate(up.Index(i), u))
		}
		seen[u] = true
	}
	if s.ExpirationSeconds != nil && *s.ExpirationSeconds < minCSRExpirationSeconds {
		errs = append(errs, field.Invalid(specPath.Child("expirationSeconds"), *s.ExpirationSeconds, "may not specify a duration less than 600 seconds (10 minutes)"))
	}
	return errs
}

// parseCSR reads one PEM CERTIFICATE REQUEST block.
func parseCSR(data []byte) error {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return errors.New("PEM block type must be CERTIFICATE REQUEST")
	}
	_, err := x509.ParseCertificateRequest(block.Bytes)
	return err
}

// validateSignerName is Kubernetes' signer-name rule: "domain/path", the
// domain at least two DNS labels (253 characters at most), the path
// dot-separated DNS subdomains, the whole at most 571 characters (room for
// "<fqdn>/<namespace>.<name>").
func validateSignerName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	domain, path, ok := strings.Cut(name, "/")
	if !ok || strings.Contains(path, "/") {
		return field.ErrorList{field.Invalid(p, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")}
	}
	var errs field.ErrorList
	if len(domain) > utilvalidation.DNS1123SubdomainMaxLength {
		errs = append(errs, field.TooLong(p, "", utilvalidation.DNS1123SubdomainMaxLength))
	}
	labels := strings.Split(domain, ".")
	for _, l := range labels {
		if msgs := utilvalidation.IsDNS1123Label(l); len(msgs) > 0 {
			for _, m := range msgs {
				errs = append(errs, field.Invalid(p, domain, fmt.Sprintf("validating label %q: %s", l, m)))
			}
			break
		}
	}
	if len(labels) < 2 {
		errs = append(errs, field.Invalid(p, domain, "should be a domain with at least two segments separated by dots"))
	}
	for _, l := range strings.Split(path, ".") {
		if msgs := utilvalidation.IsDNS1123Subdomain(l); len(msgs) > 0 {
			for _, m := range msgs {
				errs = append(errs, field.Invalid(p, path, fmt.Sprintf("validating label %q: %s", l, m)))
			}
			break
		}
	}
	maxLen := 2*utilvalidation.DNS1123SubdomainMaxLength + utilvalidation.DNS1123LabelMaxLength + 2
	if len(name) > maxLen {
		errs = append(errs, field.TooLong(p, "", maxLen))
	}
	return errs
}

// isKubernetesSigner reports a signer name reserved by the Kubernetes
// project (kubernetes.io or a subdomain of it).
func isKubernetesSigner(name string) bool {
	domain, _, _ := strings.Cut(name, "/")
	return domain == "kubernetes.io" || strings.HasSuffix(domain, ".kubernetes.io")
}

// ValidateCertificateSigningRequestUpdate validates an update of the main
// resource, whose spec the strategy keeps (it is immutable).
func ValidateCertificateSigningRequestUpdate(csr, old *certificatesv1.CertificateSigningRequest) field.ErrorList {
	errs := validateMetaUpdate(&csr.ObjectMeta, &old.ObjectMeta)
	return append(errs, immutable(csr.Spec, old.Spec, specPath)...)
}

// ValidateCertificateSigningRequestStatusUpdate validates a status or
// approval update: the conditions are consistent, an approval or denial
// is never taken back, and an issued certificate never changes.
func ValidateCertificateSigningRequestStatusUpdate(csr, old *certificatesv1.CertificateSigningRequest) field.ErrorList {
	errs := validateMetaUpdate(&csr.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, validateCSRConditions(csr.Status.Conditions)...)
	for _, t := range []certificatesv1.RequestConditionType{certificatesv1.CertificateApproved, certificatesv1.CertificateDenied} {
		if hasCSRCondition(old, t) && !hasCSRCondition(csr, t) {
			errs = append(errs, field.Forbidden(csrConditionsPath, fmt.Sprintf("updates may not remove a condition of type %q", t)))
		}
	}
	cp := field.NewPath("status", "certificate")
	if len(old.Status.Certificate) > 0 && string(old.Status.Certificate) != string(csr.Status.Certificate) {
		errs = append(errs, field.Forbidden(cp, "updates may not modify existing certificate content"))
	}
	if len(csr.Status.Certificate) > 0 {
		if !hasCSRCondition(csr, certificatesv1.CertificateApproved) || hasCSRCondition(csr, certificatesv1.CertificateFailed) {
			errs = append(errs, field.Invalid(cp, "<omitted>", "certificate can only be set if the Approved condition exists and the Failed condition does not"))
		} else if err := parseCertificates(csr.Status.Certificate); err != nil {
			errs = append(errs, field.Invalid(cp, "<omitted>", err.Error()))
		}
	}
	return errs
}

func validateCSRConditions(conds []certificatesv1.CertificateSigningRequestCondition) field.ErrorList {
	var errs field.ErrorList
	seen := map[certificatesv1.RequestConditionType]bool{}
	for i, c := range conds {
		p := csrConditionsPath.Index(i)
		if c.Type == "" {
			errs = append(errs, field.Required(p.Child("type"), ""))
		}
		if !oneOf(c.Status, csrConditionStatuses) {
			errs = append(errs, field.NotSupported(p.Child("status"), c.Status, csrConditionStatuses))
		}
		switch c.Type {
		case certificatesv1.CertificateApproved, certificatesv1.CertificateDenied, certificatesv1.CertificateFailed:
			if seen[c.Type] {
				errs = append(errs, field.Duplicate(p.Child("type"), c.Type))
			}
			if c.Type != certificatesv1.CertificateFailed && c.Status != corev1.ConditionTrue {
				errs = append(errs, field.NotSupported(p.Child("status"), c.Status, []corev1.ConditionStatus{corev1.ConditionTrue}))
			}
		}
		seen[c.Type] = true
	}
	if seen[certificatesv1.CertificateApproved] && seen[certificatesv1.CertificateDenied] {
		errs = append(errs, field.Invalid(csrConditionsPath, conds, "Approved and Denied conditions are mutually exclusive"))
	}
	return errs
}

func hasCSRCondition(csr *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) bool {
	for _, c := range csr.Status.Conditions {
		if c.Type == t {
			return true
		}
	}
	return false
}

// parseCertificates requires one or more PEM CERTIFICATE blocks and
// nothing else.
func parseCertificates(data []byte) error {
	n := 0
	for rest := data; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			if len(strings.TrimSpace(string(rest))) > 0 {
				return errors.New("data does not contain any valid RSA or ECDSA certificates")
			}
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("only CERTIFICATE PEM blocks are allowed, found %q", block.Type)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return err
		}
	}
	if n == 0 {
		return errors.New("at least one certificate is required")
	}
	return nil
}

// ValidateClusterTrustBundle validates a new ClusterTrustBundle: its name
// carries its signer's name as a prefix (see clusterTrustBundleName), and
// the bundle is PEM certificates.
func ValidateClusterTrustBundle(b *certificatesv1.ClusterTrustBundle) field.ErrorList {
	errs := validateMeta(&b.ObjectMeta, false, clusterTrustBundleName(b.Spec.SignerName))
	if b.Spec.SignerName != "" {
		errs = append(errs, validateSignerName(b.Spec.SignerName, specPath.Child("signerName"))...)
	}
	tp := specPath.Child("trustBundle")
	if b.Spec.TrustBundle == "" {
		errs = append(errs, field.Required(tp, ""))
	} else if err := parseCertificates([]byte(b.Spec.TrustBundle)); err != nil {
		errs = append(errs, field.Invalid(tp, "<value omitted>", err.Error()))
	}
	return errs
}

// clusterTrustBundleName is Kubernetes' rule for a bundle's name: with a
// signer, "<signer name with / as :>:" then a DNS subdomain (the signer
// name's own "/" would not be allowed in a name, and its ":" are why the
// whole name is not a subdomain); without, a DNS subdomain with no ":".
func clusterTrustBundleName(signer string) apivalidation.ValidateNameFunc {
	return func(name string, prefix bool) []string {
		if signer == "" {
			if strings.Contains(name, ":") {
				return []string{`ClusterTrustBundle without signer name must not have ":" in its name`}
			}
			return apivalidation.NameIsDNSSubdomain(name, prefix)
		}
		required := strings.ReplaceAll(signer, "/", ":") + ":"
		if !strings.HasPrefix(name, required) {
			return []string{fmt.Sprintf("ClusterTrustBundle for signerName %s must be named with prefix %s", signer, required)}
		}
		return apivalidation.NameIsDNSSubdomain(strings.TrimPrefix(name, required), prefix)
	}
}

// ValidateClusterTrustBundleUpdate keeps the signer name.
func ValidateClusterTrustBundleUpdate(b, old *certificatesv1.ClusterTrustBundle) field.ErrorList {
	errs := validateMetaUpdate(&b.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, immutable(b.Spec.SignerName, old.Spec.SignerName, specPath.Child("signerName"))...)
	return append(errs, ValidateClusterTrustBundle(b)...)
}
