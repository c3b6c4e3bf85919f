package nodeauthz

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

func TestBootstrapTokens(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	secret := func(id, exp string, usage string) *corev1.Secret {
		d := map[string][]byte{BootstrapTokenID: []byte(id), BootstrapTokenSecret: []byte("0123456789abcdef"), BootstrapTokenAuthUsage: []byte(usage),
			BootstrapTokenExtraGroups: []byte("system:bootstrappers:workers,system:masters")}
		if exp != "" {
			d[BootstrapTokenExpiration] = []byte(exp)
		}
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: BootstrapTokenSecretPrefix + id, Namespace: metav1.NamespaceSystem}, Type: BootstrapTokenType, Data: d}
	}
	f := informers.NewSharedInformerFactory(fake.NewSimpleClientset(), 0)
	for _, s := range []*corev1.Secret{secret("aaaaaa", "2026-12-08T00:00:00Z", "true"), secret("bbbbbb", "2026-12-07T11:59:59Z", "true"),
		secret("cccccc", "", "false"), secret("dddddd", "", "true")} {
		if err := f.Core().V1().Secrets().Informer().GetIndexer().Add(s); err != nil {
			t.Fatal(err)
		}
	}
	auth := BootstrapTokens(f.Core().V1().Secrets().Lister(), func() time.Time { return now })
	for token, want := range map[string]bool{
		"aaaaaa.0123456789abcdef": true,
		"dddddd.0123456789abcdef": true,  // no expiration
		"bbbbbb.0123456789abcdef": false, // expired
		"cccccc.0123456789abcdef": false, // not for authentication
		"aaaaaa.0123456789abcdee": false, // wrong secret
		"eeeeee.0123456789abcdef": false, // unknown
		"not-a-token":             false,
	} {
		resp, ok, err := auth.AuthenticateToken(context.Background(), token)
		if err != nil || ok != want {
			t.Errorf("%s: got %v %v, want %v", token, ok, err, want)
			continue
		}
		if ok {
			u := resp.User
			if u.GetName() != BootstrapUserPrefix+token[:6] || !IsBootstrapper(u) || len(u.GetGroups()) != 3 || u.GetGroups()[2] != "system:bootstrappers:workers" {
				t.Errorf("%s: user %q groups %v", token, u.GetName(), u.GetGroups())
			}
		}
	}
}

func TestRevokedCertificatesAreThoseIssuedBeforeTheDeletion(t *testing.T) {
	deleted := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	cm := &corev1.ConfigMap{Data: map[string]string{"node-a": deleted.Format(time.RFC3339Nano)}}
	// The signer backdates NotBefore by five minutes.
	if !Revoked(cm, "node-a", deleted.Add(-signerBackdate-time.Second)) {
		t.Error("a certificate issued before the deletion is not revoked")
	}
	if Revoked(cm, "node-a", deleted.Add(-signerBackdate+time.Second)) {
		t.Error("a certificate issued after the deletion is revoked")
	}
	if Revoked(cm, "node-b", deleted.Add(-time.Hour)) || Revoked(nil, "node-a", deleted.Add(-time.Hour)) {
		t.Error("a node never deleted is revoked")
	}
}
