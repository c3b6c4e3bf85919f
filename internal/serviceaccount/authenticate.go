package serviceaccount

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	apiserviceaccount "k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"
)

// leeway absorbs clock skew on exp and nbf, as kube-apiserver's one minute.
const leeway = time.Minute

// deletionGrace keeps a token bound to a pod valid for a minute after the
// pod's deletionTimestamp, as Kubernetes does, so a pod can still talk to
// the API while it shuts down.
const deletionGrace = time.Minute

var _ authenticator.Token = &Tokens{}

// AuthenticateToken implements authenticator.Token. A bearer token that is
// not a JWT from this issuer is not ours: (nil, false, nil), so the other
// token authenticators get their turn. One of ours that fails a check is an
// error, which the API server answers with 401.
func (t *Tokens) AuthenticateToken(ctx context.Context, raw string) (*authenticator.Response, bool, error) {
	if !t.ours(raw) {
		return nil, false, nil
	}
	c, err := t.verify(raw)
	if err != nil {
		return nil, false, err
	}
	auds, err := t.audiences(ctx, c.Audience)
	if err != nil {
		return nil, false, err
	}
	info, err := t.stillValid(ctx, c)
	if err != nil {
		return nil, false, err
	}
	return &authenticator.Response{User: info, Audiences: auds}, true, nil
}

// ours reports whether raw looks like a token of this issuer, before any
// signature check.
func (t *Tokens) ours(raw string) bool {
	var c claims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &c); err != nil {
		return false
	}
	return c.Issuer == t.cfg.Issuer
}

// verify checks the signature (ES256 with our key only), the issuer and the
// validity window.
func (t *Tokens) verify(raw string) (*claims, error) {
	var c claims
	_, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return &t.cfg.Key.PublicKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}), jwt.WithIssuer(t.cfg.Issuer),
		jwt.WithExpirationRequired(), jwt.WithLeeway(leeway), jwt.WithTimeFunc(t.cfg.Clock.Now))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, errors.New("service account token has expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return nil, errors.New("service account token is not valid yet")
	case err != nil:
		return nil, fmt.Errorf("invalid service account token: %w", err)
	}
	if c.Kubernetes.Namespace == "" || c.Kubernetes.ServiceAccount.Name == "" || c.Kubernetes.ServiceAccount.UID == "" {
		return nil, errors.New("service account token lacks its kubernetes.io claim")
	}
	return &c, nil
}

// audiences intersects the token's audiences with those the request is for
// (the API server's, unless the context says otherwise).
func (t *Tokens) audiences(ctx context.Context, tokenAuds jwt.ClaimStrings) (authenticator.Audiences, error) {
	want, ok := authenticator.AudiencesFrom(ctx)
	if !ok {
		want = t.cfg.Audiences
	}
	got := authenticator.Audiences(tokenAuds).Intersect(want)
	if len(got) == 0 {
		return nil, fmt.Errorf("token audiences %q is invalid for the target audiences %q", []string(tokenAuds), []string(want))
	}
	return got, nil
}

// stillValid checks that the ServiceAccount, and the pod the token is bound
// to, still exist with the UIDs the token names, and returns the user.
func (t *Tokens) stillValid(ctx context.Context, c *claims) (user.Info, error) {
	k := c.Kubernetes
	invalidIfDeletedBefore := t.cfg.Clock.Now().Add(-deletionGrace)
	sa, err := t.cfg.Getter.ServiceAccount(ctx, k.Namespace, k.ServiceAccount.Name)
	if err := checkObject("service account", k.Namespace, k.ServiceAccount, sa, err, invalidIfDeletedBefore); err != nil {
		return nil, err
	}
	info := apiserviceaccount.ServiceAccountInfo{
		Namespace: k.Namespace, Name: sa.Name, UID: string(sa.UID), CredentialID: "JTI=" + c.ID,
	}
	if k.Pod != nil {
		pod, err := t.cfg.Getter.Pod(ctx, k.Namespace, k.Pod.Name)
		if err := checkObject("pod", k.Namespace, *k.Pod, pod, err, invalidIfDeletedBefore); err != nil {
			return nil, err
		}
		info.PodName, info.PodUID = pod.Name, string(pod.UID)
	}
	if n := k.Node; n != nil {
		info.NodeName, info.NodeUID = n.Name, n.UID
	}
	u := info.UserInfo().(*user.DefaultInfo)
	u.Groups = append(u.Groups, user.AllAuthenticated)
	return u, nil
}

// checkObject turns a lookup of the object r names into a validation error:
// gone, replaced by another of the same name, or deleted too long ago.
func checkObject(kind, namespace string, r ref, obj metav1.Object, err error, invalidIfDeletedBefore time.Time) error {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s %s/%s has been deleted", kind, namespace, r.Name)
	case err != nil:
		return fmt.Errorf("look up %s %s/%s: %w", kind, namespace, r.Name, err)
	case string(obj.GetUID()) != r.UID:
		return fmt.Errorf("%s UID (%s) does not match claim (%s)", kind, obj.GetUID(), r.UID)
	case obj.GetDeletionTimestamp() != nil && obj.GetDeletionTimestamp().Time.Before(invalidIfDeletedBefore):
		return fmt.Errorf("%s %s/%s is being deleted", kind, namespace, r.Name)
	}
	return nil
}
