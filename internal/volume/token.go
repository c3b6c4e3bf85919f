package volume

import (
	"context"
	"fmt"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
)

// maxTokenAge renews any token older than a day, whatever its lifetime, as
// the kubelet does.
const maxTokenAge = 24 * time.Hour

// tokenRenewRetry is how soon a failed renewal is tried again while the
// current token still serves (the agent's retry of a container it could
// not configure).
const tokenRenewRetry = 10 * time.Second

// tokenKey is one token a pod uses: the same pod, account, audience and
// lifetime share one token, as in the kubelet's token manager.
type tokenKey struct {
	pod            types.UID
	serviceAccount string
	audience       string
	expiration     int64
}

type cachedToken struct {
	token     string
	expires   time.Time
	refreshAt time.Time
}

// tokenCache holds the service-account tokens of the agent's pods.
type tokenCache struct {
	mu     sync.Mutex
	tokens map[tokenKey]cachedToken
}

// podToken returns the token for a projected serviceAccountToken source: the
// cached one until 80% of its life has passed, then a new one from the
// TokenRequest API, bound to the pod so it dies with it. If renewal fails,
// the old token serves until it expires.
func (m *Manager) podToken(ctx context.Context, p *corev1.Pod, src *corev1.ServiceAccountTokenProjection) (string, error) {
	key := tokenKey{pod: p.UID, serviceAccount: p.Spec.ServiceAccountName, audience: src.Audience, expiration: expirationOf(src)}
	now := m.cfg.Clock.Now()
	cached, ok := m.tokens.get(key)
	if ok && now.Before(cached.refreshAt) {
		return cached.token, nil
	}
	fresh, err := m.requestToken(ctx, p, key)
	if err != nil {
		if ok && now.Before(cached.expires) {
			klog.FromContext(ctx).Info("Could not renew a service account token; the current one serves until it expires",
				"pod", klog.KObj(p), "err", err, "expires", cached.expires)
			cached.refreshAt = now.Add(tokenRenewRetry)
			m.tokens.put(key, cached)
			return cached.token, nil
		}
		return "", fmt.Errorf("get service account token: %w", err)
	}
	m.tokens.put(key, fresh)
	return fresh.token, nil
}

func expirationOf(src *corev1.ServiceAccountTokenProjection) int64 {
	if src.ExpirationSeconds == nil {
		return 3600
	}
	return *src.ExpirationSeconds
}

// requestToken asks the API for a token bound to p.
func (m *Manager) requestToken(ctx context.Context, p *corev1.Pod, key tokenKey) (cachedToken, error) {
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: &key.expiration,
		BoundObjectRef:    &authenticationv1.BoundObjectReference{APIVersion: "v1", Kind: "Pod", Name: p.Name, UID: p.UID},
	}}
	if key.audience != "" {
		req.Spec.Audiences = []string{key.audience}
	}
	tr, err := m.cfg.Client.CoreV1().ServiceAccounts(p.Namespace).CreateToken(ctx, key.serviceAccount, req, metav1.CreateOptions{})
	if err != nil {
		return cachedToken{}, err
	}
	return cachedToken{token: tr.Status.Token, expires: tr.Status.ExpirationTimestamp.Time, refreshAt: refreshTime(tr)}, nil
}

// refreshTime is when the kubelet renews a token: once 80% of its lifetime
// has passed, or at a day old.
func refreshTime(tr *authenticationv1.TokenRequest) time.Time {
	exp := tr.Status.ExpirationTimestamp.Time
	ttl := time.Duration(*tr.Spec.ExpirationSeconds) * time.Second
	issued := exp.Add(-ttl)
	at := issued.Add(ttl * 8 / 10)
	if limit := issued.Add(maxTokenAge); limit.Before(at) {
		at = limit
	}
	return at
}

func (c *tokenCache) get(k tokenKey) (cachedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[k]
	return t, ok
}

func (c *tokenCache) put(k tokenKey, t cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tokens == nil {
		c.tokens = map[tokenKey]cachedToken{}
	}
	c.tokens[k] = t
}

// nextRefresh is the earliest renewal due among pod's tokens (zero if none).
func (c *tokenCache) nextRefresh(pod types.UID) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next time.Time
	for k, t := range c.tokens {
		if k.pod == pod && (next.IsZero() || t.refreshAt.Before(next)) {
			next = t.refreshAt
		}
	}
	return next
}

// forget drops a pod's tokens.
func (c *tokenCache) forget(pod types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.tokens {
		if k.pod == pod {
			delete(c.tokens, k)
		}
	}
}
