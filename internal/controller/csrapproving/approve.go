package csrapproving

import (
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
)

// Signers of nodes' client and serving certificates.
const (
	KubeletClientSigner  = "kubernetes.io/kube-apiserver-client-kubelet"
	KubeletServingSigner = "kubernetes.io/kubelet-serving"
)

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
//
// ordo also approves a node's request for its own serving certificate
// (kubelet-serving, requested by system:node:NAME for CN system:node:NAME,
// subresource selfnodeserving), which Kubernetes leaves to an
// administrator: the API server checks an agent's serving certificate by
// its node name, so the certificate's names cannot make it stand for
// another node.
func Match(csr *certificatesv1.CertificateSigningRequest) *Recognizer {
	if decided(csr) {
		return nil
	}
	req, ok := parse(csr.Spec.Request)
	if !ok {
		return nil
	}
	if csr.Spec.SignerName == KubeletServingSigner && req.Subject.CommonName == csr.Spec.Username &&
		slices.Equal(req.Subject.Organization, []string{"system:nodes"}) && strings.HasPrefix(req.Subject.CommonName, "system:node:") &&
		serving(csr.Spec.Usages) {
		return &Recognizer{Subresource: "selfnodeserving", Message: "Auto approving self kubelet serving certificate after SubjectAccessReview."}
	}
	if csr.Spec.SignerName != KubeletClientSigner || !nodeClient(req, csr.Spec.Usages) {
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

// serving: usages of a serving certificate, server auth included.
func serving(usages []certificatesv1.KeyUsage) bool {
	server := false
	for _, u := range usages {
		switch u {
		case certificatesv1.UsageServerAuth:
			server = true
		case certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment:
		default:
			return false
		}
	}
	return server
}
