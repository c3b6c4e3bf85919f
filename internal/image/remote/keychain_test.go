package remote

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func secret(t *testing.T, typ corev1.SecretType, auths map[string]string) corev1.Secret {
	t.Helper()
	entries := map[string]map[string]string{}
	for host, user := range auths {
		entries[host] = map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":pw-" + user))}
	}
	s := corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s"}, Type: typ, Data: map[string][]byte{}}
	switch typ {
	case corev1.SecretTypeDockerConfigJson:
		b, _ := json.Marshal(map[string]any{"auths": entries})
		s.Data[corev1.DockerConfigJsonKey] = b
	case corev1.SecretTypeDockercfg:
		b, _ := json.Marshal(entries)
		s.Data[corev1.DockerConfigKey] = b
	}
	return s
}

// users resolves ref with kc and returns the user names of all candidates.
func users(t *testing.T, kc authn.Keychain, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	auths, err := kc.(MultiKeychain).ResolveAll(r.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range auths {
		cfg, err := a.Authorization()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Password != "pw-"+cfg.Username {
			t.Errorf("%s: user %s has password %q", ref, cfg.Username, cfg.Password)
		}
		out = append(out, cfg.Username)
	}
	return strings.Join(out, ",")
}

func TestSecretsKeychainMatching(t *testing.T) {
	for _, tc := range []struct {
		name  string
		auths map[string]string // key → user
		ref   string
		want  string // users tried, in order
	}{
		{"host", map[string]string{"registry.example.com": "u"}, "registry.example.com/team/app:1", "u"},
		{"https URL key", map[string]string{"https://registry.example.com": "u"}, "registry.example.com/app", "u"},
		{"other host", map[string]string{"registry.example.com": "u"}, "other.example.com/app", ""},
		{"port must match", map[string]string{"registry.example.com:5000": "u"}, "registry.example.com/app", ""},
		{"port matches", map[string]string{"registry.example.com:5000": "u"}, "registry.example.com:5000/app", "u"},
		{"key without port, image with port", map[string]string{"registry.example.com": "u"}, "registry.example.com:5000/app", ""},
		{"path prefix", map[string]string{"registry.example.com/team": "u"}, "registry.example.com/team/app", "u"},
		{"path prefix mismatch", map[string]string{"registry.example.com/team": "u"}, "registry.example.com/other/app", ""},
		{"wildcard", map[string]string{"*.example.com": "u"}, "registry.example.com/app", "u"},
		{"wildcard matches one part only", map[string]string{"*.example.com": "u"}, "a.registry.example.com/app", ""},
		{"wildcard needs a part", map[string]string{"*.example.com": "u"}, "example.com/app", ""},
		{"docker login's key", map[string]string{"https://index.docker.io/v1/": "u"}, "redis", "u"},
		{"index.docker.io", map[string]string{"index.docker.io": "u"}, "docker.io/library/redis:7", "u"},
		{"docker.io", map[string]string{"docker.io": "u"}, "bitnami/redis", "u"},
		{"registry-1.docker.io", map[string]string{"registry-1.docker.io": "u"}, "redis", "u"},
		{"docker hub path", map[string]string{"docker.io/team": "u"}, "team/app", "u"},
		{"docker hub path mismatch", map[string]string{"docker.io/team": "u"}, "redis", ""},
		{"most specific first", map[string]string{"registry.example.com": "general", "registry.example.com/team": "team"}, "registry.example.com/team/app", "team,general"},
		{"loopback registry", map[string]string{"127.0.0.1:5000": "u"}, "127.0.0.1:5000/app:1", "u"},
	} {
		for _, typ := range []corev1.SecretType{corev1.SecretTypeDockerConfigJson, corev1.SecretTypeDockercfg} {
			kc, err := SecretsKeychain([]corev1.Secret{secret(t, typ, tc.auths)})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := users(t, kc, tc.ref); got != tc.want {
				t.Errorf("%s (%s): users %q, want %q", tc.name, typ, got, tc.want)
			}
		}
	}
}

func TestSecretsKeychainSeveralSecrets(t *testing.T) {
	a := secret(t, corev1.SecretTypeDockerConfigJson, map[string]string{"registry.example.com": "first"})
	b := secret(t, corev1.SecretTypeDockercfg, map[string]string{"registry.example.com": "second"})
	bad := corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "bad"}, Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte("{not json")}}
	unrelated := corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "opaque"}, Data: map[string][]byte{"x": []byte("y")}}
	kc, err := SecretsKeychain([]corev1.Secret{a, bad, unrelated, b})
	if err == nil || !strings.Contains(err.Error(), `secret "ns/bad": .dockerconfigjson:`) {
		t.Errorf("bad secret: error %v, want one naming it", err)
	}
	if got := users(t, kc, "registry.example.com/app"); got != "first,second" {
		t.Errorf("users %q, want first,second (the secrets' order)", got)
	}
	r, _ := name.ParseReference("registry.example.com/app")
	auth, err := kc.Resolve(r.Context())
	if err != nil {
		t.Fatal(err)
	}
	if cfg, _ := auth.Authorization(); cfg.Username != "first" {
		t.Errorf("Resolve gave %q, want the first", cfg.Username)
	}
	if auth, _ := kc.Resolve(name.MustParseReference("other.example.com/app").Context()); auth != authn.Anonymous {
		t.Errorf("no match: %v, want anonymous", auth)
	}
}

func TestSecretsKeychainUsernamePassword(t *testing.T) {
	b := []byte(`{"auths":{"r.example.com":{"username":"u","password":"p"}}}`)
	kc, err := SecretsKeychain([]corev1.Secret{{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: b}}})
	if err != nil {
		t.Fatal(err)
	}
	auth, _ := kc.Resolve(name.MustParseReference("r.example.com/app").Context())
	if cfg, _ := auth.Authorization(); cfg.Username != "u" || cfg.Password != "p" {
		t.Errorf("got %+v", cfg)
	}
}

func TestKey(t *testing.T) {
	alice, _ := SecretsKeychain([]corev1.Secret{secret(t, corev1.SecretTypeDockerConfigJson, map[string]string{"docker.io": "alice"})})
	bob, _ := SecretsKeychain([]corev1.Secret{secret(t, corev1.SecretTypeDockerConfigJson, map[string]string{"docker.io": "bob"})})
	elsewhere, _ := SecretsKeychain([]corev1.Secret{secret(t, corev1.SecretTypeDockerConfigJson, map[string]string{"r.example.com": "alice"})})
	if Key("redis", nil) != Key("docker.io/library/redis:latest", nil) {
		t.Error("the same image under two spellings has two keys")
	}
	if Key("redis", nil) != Key("redis", elsewhere) {
		t.Error("a secret for another registry changed the key")
	}
	if Key("redis", alice) == Key("redis", bob) || Key("redis", alice) == Key("redis", nil) {
		t.Error("different credentials share a key")
	}
	if Key("redis:7", nil) == Key("redis:8", nil) {
		t.Error("two tags share a key")
	}
}

// TestGroupRunsOnce starts callers while the first one's call is running;
// they all get its result and the call runs once.
func TestGroupRunsOnce(t *testing.T) {
	var g Group[string]
	var runs atomic.Int32
	release := make(chan struct{})
	const callers = 8
	var wg sync.WaitGroup
	results := make(chan string, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _, err := g.Do(context.Background(), "k", func() (string, error) {
				runs.Add(1)
				<-release
				return "pulled", nil
			})
			if err != nil {
				t.Error(err)
			}
			results <- v
		}()
	}
	// Release once every caller is either running the call or waiting on it.
	for g.waiting("k") != callers-1 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	close(results)
	for v := range results {
		if v != "pulled" {
			t.Errorf("result %q", v)
		}
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("the call ran %d times, want 1", n)
	}
	// Once done, the next call runs again (no caching of results).
	_, shared, _ := g.Do(context.Background(), "k", func() (string, error) { runs.Add(1); return "", nil })
	if shared || runs.Load() != 2 {
		t.Errorf("a later call: shared %v, runs %d", shared, runs.Load())
	}
}

func TestGroupWaiterGivesUp(t *testing.T) {
	var g Group[int]
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_, _, _ = g.Do(context.Background(), "k", func() (int, error) { close(started); <-release; return 1, nil })
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := g.Do(ctx, "k", func() (int, error) { return 2, nil }); err != context.Canceled {
		t.Errorf("a waiter whose context ends: %v, want context.Canceled", err)
	}
	close(release)
}
