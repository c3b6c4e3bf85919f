package serviceaccount

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/util/keyutil"
	"k8s.io/utils/clock"
)

// DefaultIssuer is the iss claim of ordo's tokens and the API server's
// audience: the in-cluster URL of the API, as kubeadm and k3s configure
// --service-account-issuer.
const DefaultIssuer = "https://kubernetes.default.svc.cluster.local"

// Getter reads the objects a token names. Lookups must not authenticate
// with a service-account token themselves, or validation would recurse.
type Getter interface {
	// ServiceAccount and Pod return a NotFound API error for objects that
	// do not exist.
	ServiceAccount(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error)
	Pod(ctx context.Context, namespace, name string) (*corev1.Pod, error)
	// Node is the node a bound pod runs on, whose name and UID its tokens
	// carry.
	Node(ctx context.Context, name string) (*corev1.Node, error)
}

// Config is what Tokens needs.
type Config struct {
	// Key signs and verifies tokens (ES256).
	Key *ecdsa.PrivateKey
	// Issuer is the iss claim; DefaultIssuer when empty.
	Issuer string
	// Audiences are the API server's own: the default audience of a
	// TokenRequest, and what a token must be for to authenticate to the API.
	// [Issuer] when empty.
	Audiences []string
	// Getter looks up ServiceAccounts and pods.
	Getter Getter
	// Clock is the time tokens are issued and checked at.
	Clock clock.PassiveClock
}

// Tokens issues and validates service-account tokens.
type Tokens struct {
	cfg   Config
	keyID string
}

// New returns Tokens for c.
func New(c Config) (*Tokens, error) {
	if c.Key == nil || c.Getter == nil {
		return nil, errors.New("serviceaccount: a key and a getter are required")
	}
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if len(c.Audiences) == 0 {
		c.Audiences = []string{c.Issuer}
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	kid, err := keyID(c.Key)
	if err != nil {
		return nil, err
	}
	return &Tokens{cfg: c, keyID: kid}, nil
}

// LoadKey reads the ECDSA signing key pki writes (pki.Files.ServiceAccountKey).
func LoadKey(path string) (*ecdsa.PrivateKey, error) {
	key, err := keyutil.PrivateKeyFromFile(path)
	if err != nil {
		return nil, err
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: want an ECDSA key, got %T", path, key)
	}
	return ec, nil
}

// Audiences are the API server's audiences.
func (t *Tokens) Audiences() []string { return append([]string(nil), t.cfg.Audiences...) }

// keyID names the key in the JWT header, as kube-apiserver does: the
// unpadded base64url SHA-256 of the public key's DER form, so verifiers can
// pick the key during a rotation.
func keyID(key *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// sign issues a token for s.
func (t *Tokens) sign(s subject) (string, error) {
	s.issuer, s.tokenID = t.cfg.Issuer, uuid.NewString()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, newClaims(s))
	tok.Header["kid"] = t.keyID
	return tok.SignedString(t.cfg.Key)
}

// isAPIAudience reports whether any of auds is one of the API server's.
func (t *Tokens) isAPIAudience(auds []string) bool {
	return sets.New(t.cfg.Audiences...).HasAny(auds...)
}
