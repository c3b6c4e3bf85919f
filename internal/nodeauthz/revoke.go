package nodeauthz

import (
	"errors"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// RevocationsConfigMap (in kube-system) records, per node name, when its
// Node was deleted (RFC 3339): node certificates issued before then are
// refused. Package nodecredentials writes it.
const RevocationsConfigMap = "ordo-node-credential-revocations"

// signerBackdate is how far before its issue the signer (package
// csrsigning) dates a certificate's NotBefore.
const signerBackdate = 5 * time.Minute

// Revoked says whether a certificate for node that starts at notBefore
// was issued before node's Node was last deleted. Certificates carry
// whole seconds, so one issued in the second of the deletion is kept: a
// node that bootstraps again at once must not lose its new certificate.
func Revoked(cm *corev1.ConfigMap, node string, notBefore time.Time) bool {
	if cm == nil || cm.Data[node] == "" {
		return false
	}
	deleted, err := time.Parse(time.RFC3339Nano, cm.Data[node])
	return err == nil && notBefore.Add(signerBackdate).Before(deleted.Truncate(time.Second))
}

// RefuseRevoked wraps the client-certificate authenticator: a node's
// certificate issued before its Node was deleted authenticates no more
// (401), so a deleted node must bootstrap again with a join token.
func RefuseRevoked(certs authenticator.Request, configMaps corelisters.ConfigMapLister) authenticator.Request {
	return authenticator.RequestFunc(func(req *http.Request) (*authenticator.Response, bool, error) {
		resp, ok, err := certs.AuthenticateRequest(req)
		if !ok || err != nil || req.TLS == nil || len(req.TLS.PeerCertificates) == 0 {
			return resp, ok, err
		}
		node, isNode := NodeName(resp.User)
		if !isNode {
			return resp, ok, err
		}
		cm, _ := configMaps.ConfigMaps(metav1.NamespaceSystem).Get(RevocationsConfigMap)
		if Revoked(cm, node, req.TLS.PeerCertificates[0].NotBefore) {
			return nil, false, errors.New("the node's certificate was issued before its Node was deleted")
		}
		return resp, ok, err
	})
}
