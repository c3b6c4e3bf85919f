package csrapproving

import (
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
)

// KubeletClientSigner is the signer of nodes' client certificates.
const KubeletClientSigner = "kubernetes.io/kube-apiserver-client-kubelet"

// Recognizer is one kind of request the controller approves: a node's
// first client certificate (bootstrap) or its renewal (self), each
// approved only when the requester may create the subresource named here,
// as kube-controller-manager asks with a SubjectAccessReview.
type Recognizer struct {
	Subresource string
	Message     string
}

// Match returns the recognizer csr is for (kube-controller-manager's
// nodeclient and selfnodeclient, with its messages), or nil: only pending node
// client requests (signer kube-apiserver-client-kubelet, CN
// system:node:NAME, O system:nodes, no names, usages digital signature
// and client auth, plus key encipherment for RSA keys) are candidates.
func Match(csr *certificatesv1.CertificateSigningRequest) *Recognizer {
	if csr.Spec.SignerName != KubeletClientSigner || decided(csr) {
		return nil
	}
	req, ok := parse(csr.Spec.Request)
	if !ok || !nodeClient(req, csr.Spec.Usages) {
		return nil
	}
	if req.Subject.CommonName == csr.Spec.Username {
		return &Recognizer{Subresource: "selfnodeclient", Message: "Auto approving self kubelet client certificate after SubjectAccessReview."}
	}
	return &Recognizer{Subresource: "nodeclient", Message: "Auto approving kubelet client certificate after SubjectAccessReview."}
}

// Review is the SubjectAccessReview asking whether csr's requester may
// create certificatesigningrequests/<r.Subresource>.
func (r *Recognizer) Review(csr *certificatesv1.CertificateSigningRequest) *authorizationv1.SubjectAccessReview {
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range csr.Spec.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	return &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: csr.Spec.Username, UID: csr.Spec.UID, Groups: csr.Spec.Groups, Extra: extra,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Group: "certificates.k8s.io", Resource: "certificatesigningrequests", Subresource: r.Subresource, Verb: "create",
		},
	}}
}

func decided(csr *certificatesv1.CertificateSigningRequest) bool {
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved, certificatesv1.CertificateDenied, certificatesv1.CertificateFailed:
			return true
		}
	}
	return len(csr.Status.Certificate) > 0
}

func parse(data []byte) (*x509.CertificateRequest, bool) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, false
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	return req, err == nil
}

// nodeClient is Kubernetes' isNodeClientCert.
func nodeClient(req *x509.CertificateRequest, usages []certificatesv1.KeyUsage) bool {
	if !slices.Equal(req.Subject.Organization, []string{"system:nodes"}) ||
		len(req.DNSNames)+len(req.EmailAddresses)+len(req.IPAddresses)+len(req.URIs) > 0 ||
		!strings.HasPrefix(req.Subject.CommonName, "system:node:") {
		return false
	}
	allowed := []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}
	if req.PublicKeyAlgorithm == x509.RSA {
		allowed = append(allowed, certificatesv1.UsageKeyEncipherment)
	}
	seen := map[certificatesv1.KeyUsage]bool{}
	for _, u := range usages {
		if !slices.Contains(allowed, u) {
			return false
		}
		seen[u] = true
	}
	return seen[certificatesv1.UsageDigitalSignature] && seen[certificatesv1.UsageClientAuth]
}
