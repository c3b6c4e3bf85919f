package csrsigning

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
)

// Kubernetes' built-in signers ordo issues for, with its CA.
const (
	KubeAPIServerClientSigner        = "kubernetes.io/kube-apiserver-client"
	KubeAPIServerClientKubeletSigner = "kubernetes.io/kube-apiserver-client-kubelet"
	KubeletServingSigner             = "kubernetes.io/kubelet-serving"
)

// Durations as kube-controller-manager's signer uses them: certificates
// last at most --cluster-signing-duration (a year), start five minutes in
// the past to absorb clock skew, and never outlive the CA.
const (
	MaxDuration = 365 * 24 * time.Hour
	backdate    = 5 * time.Minute
)

// CA is the key and certificate the signer issues with.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// Decision is what the controller does with one CSR.
type Decision struct {
	// Sign is set when the request is to be issued.
	Sign bool
	// Fail, when set, is the message of a Failed condition (reason
	// SignerValidationFailure): the request breaks its signer's rules.
	Fail string
}

// Decide says what to do with csr: nothing unless it is approved, not
// denied or failed, not yet issued, and for one of ordo's signers; a
// request its signer's rules refuse fails.
func Decide(csr *certificatesv1.CertificateSigningRequest) Decision {
	if len(csr.Status.Certificate) > 0 || !has(csr, certificatesv1.CertificateApproved) ||
		has(csr, certificatesv1.CertificateDenied) || has(csr, certificatesv1.CertificateFailed) {
		return Decision{}
	}
	req, err := parseRequest(csr.Spec.Request)
	if err != nil {
		return Decision{Fail: err.Error()}
	}
	switch csr.Spec.SignerName {
	case KubeAPIServerClientSigner:
		err = clientRules(req, csr.Spec.Usages)
	case KubeAPIServerClientKubeletSigner:
		err = kubeletClientRules(req, csr.Spec.Usages)
	case KubeletServingSigner:
		err = kubeletServingRules(req, csr.Spec.Usages)
	default:
		return Decision{}
	}
	if err != nil {
		return Decision{Fail: err.Error()}
	}
	return Decision{Sign: true}
}

func has(csr *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) bool {
	for _, c := range csr.Status.Conditions {
		if c.Type == t {
			return true
		}
	}
	return false
}

func parseRequest(data []byte) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("PEM block type must be CERTIFICATE REQUEST")
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, err
	}
	return req, req.CheckSignature()
}

// clientRules are kube-apiserver-client's: a client certificate (usages
// among digital signature, key encipherment and client auth, the last
// required) with no DNS, IP, email or URI names.
func clientRules(req *x509.CertificateRequest, usages []certificatesv1.KeyUsage) error {
	if len(req.DNSNames)+len(req.IPAddresses)+len(req.EmailAddresses)+len(req.URIs) > 0 {
		return errors.New("subject alternative names are not allowed for kube-apiserver-client certificates")
	}
	return clientUsages(usages)
}

func clientUsages(usages []certificatesv1.KeyUsage) error {
	client := false
	for _, u := range usages {
		switch u {
		case certificatesv1.UsageClientAuth:
			client = true
		case certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment:
		default:
			return fmt.Errorf("invalid usage for client certificate: %s", u)
		}
	}
	if !client {
		return errors.New("missing required usage for client certificate: client auth")
	}
	return nil
}

// kubeletClientRules are kube-apiserver-client-kubelet's: a node's client
// certificate, named system:node:<name> in the system:nodes group.
func kubeletClientRules(req *x509.CertificateRequest, usages []certificatesv1.KeyUsage) error {
	if len(req.Subject.Organization) != 1 || req.Subject.Organization[0] != "system:nodes" {
		return errors.New("subject organization is not system:nodes")
	}
	if len(req.Subject.CommonName) <= len("system:node:") || req.Subject.CommonName[:len("system:node:")] != "system:node:" {
		return errors.New(`subject common name does not begin with "system:node:"`)
	}
	if err := clientRules(req, usages); err != nil {
		return err
	}
	return nil
}

// kubeletServingRules are kubelet-serving's: a node's serving
// certificate, named system:node:<name> in system:nodes, for DNS names and
// IPs only, with server auth among digital signature and key encipherment.
func kubeletServingRules(req *x509.CertificateRequest, usages []certificatesv1.KeyUsage) error {
	if len(req.Subject.Organization) != 1 || req.Subject.Organization[0] != "system:nodes" {
		return errors.New("subject organization is not system:nodes")
	}
	if !strings.HasPrefix(req.Subject.CommonName, "system:node:") {
		return errors.New(`subject common name does not begin with "system:node:"`)
	}
	if len(req.EmailAddresses)+len(req.URIs) > 0 {
		return errors.New("email and URI subjectAltNames are not allowed")
	}
	if len(req.DNSNames)+len(req.IPAddresses) == 0 {
		return errors.New("at least one DNS or IP subjectAltName is required")
	}
	server := false
	for _, u := range usages {
		switch u {
		case certificatesv1.UsageServerAuth:
			server = true
		case certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment:
		default:
			return fmt.Errorf("invalid usage for kubelet serving certificate: %s", u)
		}
	}
	if !server {
		return errors.New("missing required usage for kubelet serving certificate: server auth")
	}
	return nil
}

// Sign issues csr's certificate with ca at now, for the requested
// duration (at least ten minutes, at most MaxDuration) and never past the
// CA's own expiry; the PEM is returned.
func Sign(csr *certificatesv1.CertificateSigningRequest, ca CA, now time.Time) ([]byte, error) {
	req, err := parseRequest(csr.Spec.Request)
	if err != nil {
		return nil, err
	}
	d := MaxDuration
	if s := csr.Spec.ExpirationSeconds; s != nil && time.Duration(*s)*time.Second < d {
		d = time.Duration(*s) * time.Second
	}
	notAfter := now.Add(d)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      req.Subject,
		NotBefore:    now.Add(-backdate),
		NotAfter:     notAfter,
		KeyUsage:     keyUsage(csr.Spec.Usages),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if csr.Spec.SignerName == KubeletServingSigner {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.DNSNames, tmpl.IPAddresses = req.DNSNames, req.IPAddresses
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, req.PublicKey, ca.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func keyUsage(usages []certificatesv1.KeyUsage) x509.KeyUsage {
	var ku x509.KeyUsage
	for _, u := range usages {
		switch u {
		case certificatesv1.UsageDigitalSignature:
			ku |= x509.KeyUsageDigitalSignature
		case certificatesv1.UsageKeyEncipherment:
			ku |= x509.KeyUsageKeyEncipherment
		}
	}
	return ku
}
