package nodeauthz

import (
	"context"
	"crypto/subtle"
	"regexp"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/klog/v2"
)

// Bootstrap tokens as kubeadm writes them and kube-apiserver's bootstrap
// token authenticator reads them: a Secret bootstrap-token-<id> in
// kube-system, of type bootstrap.kubernetes.io/token, holding token-id,
// token-secret, usage-bootstrap-authentication "true", an optional
// expiration (RFC 3339) and auth-extra-groups; the token is
// "<id>.<secret>".
const (
	BootstrapTokenSecretPrefix = "bootstrap-token-"
	BootstrapTokenType         = corev1.SecretType("bootstrap.kubernetes.io/token")
	BootstrapTokenID           = "token-id"
	BootstrapTokenSecret       = "token-secret"
	BootstrapTokenExpiration   = "expiration"
	BootstrapTokenDescription  = "description"
	BootstrapTokenAuthUsage    = "usage-bootstrap-authentication"
	BootstrapTokenExtraGroups  = "auth-extra-groups"
)

// bootstrapTokenPattern is a token's form: 6 and 16 of [a-z0-9].
var bootstrapTokenPattern = regexp.MustCompile(`^([a-z0-9]{6})\.([a-z0-9]{16})$`)

// BootstrapTokens authenticates bootstrap tokens from the Secrets in
// kube-system: user system:bootstrap:<id> in system:bootstrappers (and the
// token's extra groups). A token that is unknown, not for
// authentication, being deleted or past its expiration authenticates no
// one (401).
func BootstrapTokens(secrets corelisters.SecretLister, now func() time.Time) authenticator.Token {
	return authenticator.TokenFunc(func(ctx context.Context, token string) (*authenticator.Response, bool, error) {
		m := bootstrapTokenPattern.FindStringSubmatch(token)
		if m == nil {
			return nil, false, nil
		}
		id, secret := m[1], m[2]
		s, err := secrets.Secrets(metav1.NamespaceSystem).Get(BootstrapTokenSecretPrefix + id)
		if err != nil || !usable(s, id, secret, now()) {
			klog.FromContext(ctx).V(3).Info("Bootstrap token refused", "tokenID", id)
			return nil, false, nil
		}
		groups := []string{BootstrappersGroup, user.AllAuthenticated}
		for _, g := range strings.Split(string(s.Data[BootstrapTokenExtraGroups]), ",") {
			if g = strings.TrimSpace(g); strings.HasPrefix(g, BootstrappersGroup+":") {
				groups = append(groups, g)
			}
		}
		return &authenticator.Response{User: &user.DefaultInfo{Name: BootstrapUserPrefix + id, Groups: groups}}, true, nil
	})
}

// usable: the Secret is a live authentication token for id and secret.
func usable(s *corev1.Secret, id, secret string, now time.Time) bool {
	if s.DeletionTimestamp != nil || s.Type != BootstrapTokenType || string(s.Data[BootstrapTokenID]) != id ||
		subtle.ConstantTimeCompare(s.Data[BootstrapTokenSecret], []byte(secret)) != 1 ||
		string(s.Data[BootstrapTokenAuthUsage]) != "true" {
		return false
	}
	return !Expired(s, now)
}

// Expired says whether the token's expiration has passed (one that does
// not parse counts as expired, as in Kubernetes).
func Expired(s *corev1.Secret, now time.Time) bool {
	raw := string(s.Data[BootstrapTokenExpiration])
	if raw == "" {
		return false
	}
	exp, err := time.Parse(time.RFC3339, raw)
	return err != nil || !now.Before(exp)
}
