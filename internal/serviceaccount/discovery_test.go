package serviceaccount

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func getJSON(t *testing.T, h http.Handler, into any) http.Header {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET: %d %s", rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), into); err != nil {
		t.Fatal(err)
	}
	return rec.Header()
}

// TestDiscoveryDocumentsVerifyIssuedTokens: a relying party that reads
// only the discovery document and the key set can verify a token the
// issuer signed: the issuer matches, and the key named by the token's
// kid checks its signature.
func TestDiscoveryDocumentsVerifyIssuedTokens(t *testing.T) {
	f := newFixture(t)
	var conf openIDConfiguration
	getJSON(t, f.tokens.OpenIDConfiguration(), &conf)
	if conf.Issuer != DefaultIssuer || conf.JWKSURI != DefaultIssuer+JWKSPath || len(conf.SigningAlgValues) != 1 || conf.SigningAlgValues[0] != "ES256" {
		t.Fatalf("discovery document %+v", conf)
	}
	var set struct{ Keys []jwk }
	if h := getJSON(t, f.tokens.JWKS(), &set); h.Get("Content-Type") != "application/jwk-set+json" || len(set.Keys) != 1 {
		t.Fatalf("key set %+v (%s)", set, h.Get("Content-Type"))
	}
	k := set.Keys[0]
	coord := func(s string) *big.Int {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) != 32 {
			t.Fatalf("coordinate %q: %v", s, err)
		}
		return new(big.Int).SetBytes(b)
	}
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: coord(k.X), Y: coord(k.Y)}
	token := f.request(t, "web-0", "vault").Status.Token
	parsed, err := jwt.Parse(token, func(tok *jwt.Token) (any, error) {
		if tok.Header["kid"] != k.Kid {
			t.Errorf("token kid %v, key set kid %s", tok.Header["kid"], k.Kid)
		}
		return pub, nil
	}, jwt.WithIssuer(conf.Issuer), jwt.WithValidMethods([]string{k.Alg}), jwt.WithTimeFunc(f.clock.Now))
	if err != nil || !parsed.Valid {
		t.Fatalf("token does not verify with the published key: %v", err)
	}
}
