package serviceaccount

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// The issuer's OpenID Connect documents, as kube-apiserver serves them,
// so that a relying party (a vault, a cloud's workload identity, agnhost's
// conformance check) can verify ordo's tokens without a TokenReview.
const (
	OpenIDConfigurationPath = "/.well-known/openid-configuration"
	JWKSPath                = "/openid/v1/jwks"
)

// openIDConfiguration is the discovery document's fields that
// kube-apiserver fills.
type openIDConfiguration struct {
	Issuer           string   `json:"issuer"`
	JWKSURI          string   `json:"jwks_uri"`
	ResponseTypes    []string `json:"response_types_supported"`
	SubjectTypes     []string `json:"subject_types_supported"`
	SigningAlgValues []string `json:"id_token_signing_alg_values_supported"`
}

// jwk is the public half of the signing key as RFC 7517/7518 write an EC
// P-256 key: x and y as 32-byte big-endian integers in unpadded base64url.
type jwk struct {
	Use string `json:"use"`
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Crv string `json:"crv"`
	Alg string `json:"alg"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// OpenIDConfiguration serves the discovery document. The JWKS URI is
// under the issuer (https://kubernetes.default.svc.cluster.local by
// default), which pods reach through the kubernetes Service.
func (t *Tokens) OpenIDConfiguration() http.Handler {
	return jsonDocument("application/json", openIDConfiguration{
		Issuer: t.cfg.Issuer, JWKSURI: t.cfg.Issuer + JWKSPath,
		ResponseTypes: []string{"id_token"}, SubjectTypes: []string{"public"},
		SigningAlgValues: []string{"ES256"},
	})
}

// JWKS serves the key set that verifies the issuer's tokens.
func (t *Tokens) JWKS() http.Handler {
	pub := t.cfg.Key.PublicKey
	coord := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	key := jwk{Use: "sig", Kty: "EC", Kid: t.keyID, Crv: "P-256", Alg: "ES256",
		X: coord(pub.X.FillBytes(make([]byte, 32))), Y: coord(pub.Y.FillBytes(make([]byte, 32)))}
	return jsonDocument("application/jwk-set+json", map[string][]jwk{"keys": {key}})
}

// jsonDocument answers GETs with doc, cacheable for an hour as
// kube-apiserver's are.
func jsonDocument(contentType string, doc any) http.Handler {
	body, _ := json.Marshal(doc)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(body)
	})
}
