package remote

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
)

func TestPlanAndConfigLookup(t *testing.T) {
	r, err := ParseRegistries([]byte(`
mirrors:
  docker.io:
    endpoint: ["https://mirror.example.com:5000", "http://10.0.0.1:5000", "https://registry-1.docker.io"]
    rewrite:
      "^library/(redis)$": "hub/$1"
      "^rancher/(.*)": "mirrorproject/rancher-images/$1"
  "*":
    endpoint: ["https://catchall.example.com"]
configs:
  registry-1.docker.io:
    auth: {username: hub}
  "mirror.example.com":
    auth: {username: bare-host}
  "r.example.com:5000":
    auth: {username: with-port}
  "*":
    auth: {username: star}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := &Puller{Registries: r}
	for _, tc := range []struct {
		ref  string
		want []string
	}{
		// Every listed endpoint rewritten (Docker Hub too, when listed), then
		// the registry itself, not rewritten.
		{"redis", []string{"mirror.example.com:5000/hub/redis:latest", "10.0.0.1:5000/hub/redis:latest", "registry-1.docker.io/hub/redis:latest", "index.docker.io/library/redis:latest"}},
		{"rancher/pause:3.6", []string{"mirror.example.com:5000/mirrorproject/rancher-images/pause:3.6", "10.0.0.1:5000/mirrorproject/rancher-images/pause:3.6", "registry-1.docker.io/mirrorproject/rancher-images/pause:3.6", "index.docker.io/rancher/pause:3.6"}},
		// Without a rewrite, the endpoint that is the registry itself is not
		// asked twice.
		{"alpine", []string{"mirror.example.com:5000/library/alpine:latest", "10.0.0.1:5000/library/alpine:latest", "index.docker.io/library/alpine:latest"}},
		{"quay.io/team/app@sha256:" + sixtyFour, []string{"catchall.example.com/team/app@sha256:" + sixtyFour, "quay.io/team/app@sha256:" + sixtyFour}},
	} {
		ref, err := name.ParseReference(tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		attempts, err := p.plan(ref)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range attempts {
			got = append(got, a.ref.Name())
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: plan %v, want %v", tc.ref, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: plan %v, want %v", tc.ref, got, tc.want)
				break
			}
		}
		if last := attempts[len(attempts)-1]; last.mirror {
			t.Errorf("%s: the registry itself is marked a mirror", tc.ref)
		}
	}
	if got := attempts0Scheme(t, p, "redis", 1); got != "http" {
		t.Errorf("an http:// endpoint uses scheme %s", got)
	}
	for host, want := range map[string]string{
		"docker.io":               "hub",
		"mirror.example.com:5000": "bare-host",
		"r.example.com:5000":      "with-port",
		"r.example.com":           "star",
		"elsewhere.example.com":   "star",
	} {
		c := r.configFor(host)
		if c.auth == nil || c.auth.Username != want {
			t.Errorf("configFor(%s) = %+v, want %s", host, c.auth, want)
		}
	}
}

const sixtyFour = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func attempts0Scheme(t *testing.T, p *Puller, ref string, i int) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	attempts, err := p.plan(r)
	if err != nil {
		t.Fatal(err)
	}
	return attempts[i].ref.Context().Scheme()
}
