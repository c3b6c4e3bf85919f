package remote

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
)

// FuzzParseRegistries: any registries.yaml either parses or is an error,
// and a parsed one plans any reference without panicking.
func FuzzParseRegistries(f *testing.F) {
	f.Add([]byte("mirrors:\n  docker.io:\n    endpoint: [\"http://127.0.0.1:5000\"]\n    rewrite:\n      \"^library/(.*)\": \"x/$1\"\n"), "redis")
	f.Add([]byte("configs:\n  \"*\":\n    auth: {auth: dTpw}\n"), "r.example.com:5000/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	f.Fuzz(func(t *testing.T, data []byte, ref string) {
		r, err := ParseRegistries(data)
		if err != nil {
			return
		}
		parsed, err := name.ParseReference(ref)
		if err != nil {
			return
		}
		_, _ = (&Puller{Registries: r}).plan(parsed)
		_ = r.configFor(parsed.Context().RegistryStr())
	})
}

// FuzzSecretsKeychain: any secret data gives a usable keychain.
func FuzzSecretsKeychain(f *testing.F) {
	f.Add([]byte(`{"auths":{"*.example.com:5000/team":{"auth":"dTpw"}}}`), "a.example.com:5000/team/app")
	f.Fuzz(func(t *testing.T, data []byte, ref string) {
		kc, _ := SecretsKeychain([]corev1.Secret{{Data: map[string][]byte{corev1.DockerConfigJsonKey: data, corev1.DockerConfigKey: data}}})
		if kc == nil {
			t.Fatal("nil keychain")
		}
		if parsed, err := name.ParseReference(ref); err == nil {
			if _, err := kc.Resolve(parsed.Context()); err != nil {
				t.Fatal(err)
			}
		}
	})
}
