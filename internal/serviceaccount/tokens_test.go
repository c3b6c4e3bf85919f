package serviceaccount

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	clocktesting "k8s.io/utils/clock/testing"
)

var anchor = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeGetter holds the objects that exist, by namespace/name.
type fakeGetter struct {
	sas  map[string]*corev1.ServiceAccount
	pods map[string]*corev1.Pod
}

func (f *fakeGetter) ServiceAccount(_ context.Context, ns, name string) (*corev1.ServiceAccount, error) {
	if sa, ok := f.sas[ns+"/"+name]; ok {
		return sa, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("serviceaccounts"), name)
}

func (f *fakeGetter) Node(_ context.Context, name string) (*corev1.Node, error) {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)}}, nil
}

func (f *fakeGetter) Pod(_ context.Context, ns, name string) (*corev1.Pod, error) {
	if p, ok := f.pods[ns+"/"+name]; ok {
		return p, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("pods"), name)
}

type fixture struct {
	tokens *Tokens
	clock  *clocktesting.FakeClock
	get    *fakeGetter
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{clock: clocktesting.NewFakeClock(anchor), get: &fakeGetter{
		sas: map[string]*corev1.ServiceAccount{"ns1/builder": {ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "builder", UID: "sa-uid"}}},
		pods: map[string]*corev1.Pod{"ns1/web-0": {
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "web-0", UID: "pod-uid"},
			Spec:       corev1.PodSpec{ServiceAccountName: "builder", NodeName: "node-1"},
		}},
	}}
	f.tokens, err = New(Config{Key: key, Getter: f.get, Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// request issues a token for builder in ns1, bound to web-0 unless pod is "".
func (f *fixture) request(t *testing.T, pod string, auds ...string) *authenticationv1.TokenRequest {
	t.Helper()
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{Audiences: auds}}
	if pod != "" {
		req.Spec.BoundObjectRef = &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod}
	}
	out, err := f.tokens.Request(context.Background(), f.get.sas["ns1/builder"], req)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) authenticate(token string) (*authenticator.Response, bool, error) {
	return f.tokens.AuthenticateToken(context.Background(), token)
}

func TestIssuedTokenAuthenticatesAsTheServiceAccount(t *testing.T) {
	f := newFixture(t)
	out := f.request(t, "web-0")
	if got := *out.Spec.ExpirationSeconds; got != 3600 {
		t.Errorf("default expirationSeconds %d, want 3600", got)
	}
	if got := out.Spec.Audiences; len(got) != 1 || got[0] != DefaultIssuer {
		t.Errorf("default audiences %v, want the API server's", got)
	}
	if !out.Status.ExpirationTimestamp.Time.Equal(anchor.Add(time.Hour)) {
		t.Errorf("expirationTimestamp %v", out.Status.ExpirationTimestamp)
	}
	resp, ok, err := f.authenticate(out.Status.Token)
	if !ok || err != nil {
		t.Fatalf("authenticate: %v %v", ok, err)
	}
	u := resp.User
	if u.GetName() != "system:serviceaccount:ns1:builder" || u.GetUID() != "sa-uid" {
		t.Errorf("user %q uid %q", u.GetName(), u.GetUID())
	}
	if g := strings.Join(u.GetGroups(), ","); g != "system:serviceaccounts,system:serviceaccounts:ns1,system:authenticated" {
		t.Errorf("groups %s", g)
	}
	if e := u.GetExtra(); e["authentication.kubernetes.io/pod-name"][0] != "web-0" || e["authentication.kubernetes.io/pod-uid"][0] != "pod-uid" ||
		!strings.HasPrefix(e["authentication.kubernetes.io/credential-id"][0], "JTI=") ||
		e["authentication.kubernetes.io/node-name"][0] != "node-1" || e["authentication.kubernetes.io/node-uid"][0] != "uid-node-1" {
		t.Errorf("extra %v", e)
	}
}

// TestTokenLayout pins the JWT Kubernetes clients and other verifiers read.
func TestTokenLayout(t *testing.T) {
	f := newFixture(t)
	parts := strings.Split(f.request(t, "web-0", "vault").Status.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS compact token: %d parts", len(parts))
	}
	var header map[string]any
	decodePart(t, parts[0], &header)
	if header["alg"] != "ES256" || header["kid"] != f.tokens.keyID || header["kid"] == "" {
		t.Errorf("header %v", header)
	}
	var body struct {
		Iss, Sub, Jti string
		Aud           []string
		Exp, Iat, Nbf int64
		Kubernetes    struct {
			Namespace      string
			ServiceAccount struct{ Name, UID string } `json:"serviceaccount"`
			Pod            struct{ Name, UID string }
		} `json:"kubernetes.io"`
	}
	decodePart(t, parts[1], &body)
	k := body.Kubernetes
	if body.Iss != DefaultIssuer || body.Sub != "system:serviceaccount:ns1:builder" || len(body.Aud) != 1 || body.Aud[0] != "vault" ||
		body.Iat != anchor.Unix() || body.Nbf != anchor.Unix() || body.Exp != anchor.Add(time.Hour).Unix() || body.Jti == "" {
		t.Errorf("registered claims %+v", body)
	}
	if k.Namespace != "ns1" || k.ServiceAccount.Name != "builder" || k.ServiceAccount.UID != "sa-uid" || k.Pod.Name != "web-0" || k.Pod.UID != "pod-uid" {
		t.Errorf("kubernetes.io claim %+v", k)
	}
}

func decodePart(t *testing.T, part string, into any) {
	t.Helper()
	data, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
}

func TestTokenExpiresAfterItsLifetimeAndLeeway(t *testing.T) {
	f := newFixture(t)
	token := f.request(t, "").Status.Token
	f.clock.SetTime(anchor.Add(time.Hour + 30*time.Second))
	if _, ok, err := f.authenticate(token); !ok || err != nil {
		t.Fatalf("within the minute of leeway: %v %v", ok, err)
	}
	f.clock.SetTime(anchor.Add(time.Hour + 2*time.Minute))
	if _, ok, err := f.authenticate(token); ok || err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired token: ok=%v err=%v", ok, err)
	}
}

func TestTokenForAnotherAudienceIsRejected(t *testing.T) {
	f := newFixture(t)
	token := f.request(t, "web-0", "vault").Status.Token
	if _, ok, err := f.authenticate(token); ok || err == nil || !strings.Contains(err.Error(), "audiences") {
		t.Fatalf("token for vault at the API server: ok=%v err=%v", ok, err)
	}
	ctx := authenticator.WithAudiences(context.Background(), authenticator.Audiences{"vault"})
	if resp, ok, err := f.tokens.AuthenticateToken(ctx, token); !ok || err != nil || resp.Audiences[0] != "vault" {
		t.Fatalf("token for vault at vault: %v %v", ok, err)
	}
}

func TestTokenDiesWithItsServiceAccount(t *testing.T) {
	f := newFixture(t)
	token := f.request(t, "").Status.Token
	delete(f.get.sas, "ns1/builder")
	if _, ok, err := f.authenticate(token); ok || err == nil || !strings.Contains(err.Error(), "service account ns1/builder has been deleted") {
		t.Fatalf("deleted service account: ok=%v err=%v", ok, err)
	}
	f.get.sas["ns1/builder"] = &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "builder", UID: "new-uid"}}
	if _, ok, err := f.authenticate(token); ok || err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("recreated service account: ok=%v err=%v", ok, err)
	}
}

func TestTokenDiesWithItsBoundPod(t *testing.T) {
	f := newFixture(t)
	token := f.request(t, "web-0").Status.Token
	pod := f.get.pods["ns1/web-0"]
	gone := metav1.NewTime(anchor)
	pod.DeletionTimestamp = &gone
	f.clock.SetTime(anchor.Add(30 * time.Second))
	if _, ok, err := f.authenticate(token); !ok || err != nil {
		t.Fatalf("a terminating pod keeps its token for a minute: %v %v", ok, err)
	}
	f.clock.SetTime(anchor.Add(2 * time.Minute))
	if _, ok, err := f.authenticate(token); ok || err == nil || !strings.Contains(err.Error(), "is being deleted") {
		t.Fatalf("pod deleted 2 minutes ago: ok=%v err=%v", ok, err)
	}
	delete(f.get.pods, "ns1/web-0")
	if _, ok, err := f.authenticate(token); ok || err == nil || !strings.Contains(err.Error(), "pod ns1/web-0 has been deleted") {
		t.Fatalf("deleted pod: ok=%v err=%v", ok, err)
	}
	// An unbound token of the same account is unaffected.
	if _, ok, err := f.authenticate(f.request(t, "").Status.Token); !ok || err != nil {
		t.Fatalf("unbound token: %v %v", ok, err)
	}
}

func TestForeignTokensAreNotOurs(t *testing.T) {
	f := newFixture(t)
	other := newFixture(t)
	if _, ok, err := f.authenticate("0123456789abcdef"); ok || err != nil {
		t.Fatalf("an opaque token must be left to other authenticators: %v %v", ok, err)
	}
	foreign := other.request(t, "").Status.Token
	if _, ok, err := f.authenticate(foreign); ok || err == nil {
		t.Fatalf("same issuer, another key: ok=%v err=%v", ok, err)
	}
	otherIssuer, _ := New(Config{Key: other.tokens.cfg.Key, Getter: other.get, Clock: other.clock, Issuer: "https://elsewhere"})
	out, err := otherIssuer.Request(context.Background(), other.get.sas["ns1/builder"], &authenticationv1.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := f.authenticate(out.Status.Token); ok || err != nil {
		t.Fatalf("another issuer's token must be left to other authenticators: %v %v", ok, err)
	}
}

func TestTokenRequestValidationAndBinding(t *testing.T) {
	f := newFixture(t)
	sa := f.get.sas["ns1/builder"]
	short := int64(599)
	cases := []struct {
		name  string
		spec  authenticationv1.TokenRequestSpec
		check func(error) bool
		want  string
	}{
		{"too short", authenticationv1.TokenRequestSpec{ExpirationSeconds: &short}, apierrors.IsInvalid, "less than 10 minutes"},
		{"missing pod", authenticationv1.TokenRequestSpec{BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "nope"}}, apierrors.IsNotFound, "not found"},
		{"stale pod uid", authenticationv1.TokenRequestSpec{BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "web-0", UID: types.UID("old")}}, apierrors.IsConflict, "does not match"},
		{"secret binding", authenticationv1.TokenRequestSpec{BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: "s"}}, apierrors.IsBadRequest, "Pods (v1) only"},
	}
	for _, c := range cases {
		_, err := f.tokens.Request(context.Background(), sa, &authenticationv1.TokenRequest{Spec: c.spec})
		if err == nil || !c.check(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	f.get.pods["ns1/web-0"].Spec.ServiceAccountName = "default"
	_, err := f.tokens.Request(context.Background(), sa, &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "web-0"}}})
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "different serviceaccount") {
		t.Errorf("pod of another service account: %v", err)
	}
}
