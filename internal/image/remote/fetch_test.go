package remote_test

import (
	"archive/tar"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/image/imagetest"
	"github.com/ordo-dev/ordo/internal/image/remote"
)

// fileImage is an image of one layer holding /msg with the given text.
func fileImage(t *testing.T, msg string, o imagetest.LayerOptions) v1.Image {
	t.Helper()
	l, err := imagetest.LayerWith(map[string]imagetest.File{"msg": imagetest.Text(msg, 0o644)}, o)
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagetest.Image(v1.Config{Cmd: []string{"cat", "/msg"}}, l)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// readMsg returns /msg from the image's top layer, reading the layer from
// the registry.
func readMsg(t *testing.T, img v1.Image) string {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[len(layers)-1].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("no msg in layer: %v", err)
		}
		if hdr.Name == "msg" {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func digest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestFetchTagsAndDigest(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	one := reg.MustPush(t, "team/app:1", fileImage(t, "one", imagetest.LayerOptions{}))
	two := reg.MustPush(t, "team/app:2", fileImage(t, "two", imagetest.LayerOptions{}))
	if one == two {
		t.Fatal("two tags pushed the same image")
	}
	p := &remote.Puller{}
	for _, tc := range []struct {
		ref  string
		want v1.Hash
		msg  string
	}{
		{reg.Ref("team/app:1"), one, "one"},
		{reg.Ref("team/app:2"), two, "two"},
		{reg.Ref("team/app@" + one.String()), one, "one"},
	} {
		img, err := p.Fetch(ctx(t), tc.ref, nil)
		if err != nil {
			t.Fatalf("Fetch(%s): %v", tc.ref, err)
		}
		if got := digest(t, img); got != tc.want {
			t.Errorf("Fetch(%s) digest %s, want %s", tc.ref, got, tc.want)
		}
		if got := readMsg(t, img); got != tc.msg {
			t.Errorf("Fetch(%s) /msg = %q, want %q", tc.ref, got, tc.msg)
		}
	}
}

func TestFetchPicksPlatform(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	var entries []imagetest.PlatformImage
	for _, arch := range []string{"amd64", "arm64"} {
		l := imagetest.Must(imagetest.Layer(map[string]imagetest.File{"msg": imagetest.Text(arch, 0o644)}))
		p := v1.Platform{OS: "linux", Architecture: arch}
		entries = append(entries, imagetest.PlatformImage{Platform: p, Image: imagetest.Must(imagetest.ImageFor(p, v1.Config{}, l))})
	}
	if _, err := reg.PushIndex("multi:1", imagetest.Index(entries...)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		platform v1.Platform
		want     string
	}{
		{v1.Platform{}, runtime.GOARCH},
		{v1.Platform{OS: "linux", Architecture: "arm64"}, "arm64"},
		{v1.Platform{OS: "linux", Architecture: "amd64"}, "amd64"},
	} {
		img, err := (&remote.Puller{Platform: tc.platform}).Fetch(ctx(t), reg.Ref("multi:1"), nil)
		if err != nil {
			t.Fatalf("platform %v: %v", tc.platform, err)
		}
		if got := readMsg(t, img); got != tc.want {
			t.Errorf("platform %v: got the %s image, want %s", tc.platform, got, tc.want)
		}
	}
	_, err := (&remote.Puller{Platform: v1.Platform{OS: "linux", Architecture: "s390x"}}).Fetch(ctx(t), reg.Ref("multi:1"), nil)
	if !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("a platform the index lacks: %v, want a not-found error", err)
	}
}

func TestFetchZstdLayer(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	reg.MustPush(t, "zstd:1", fileImage(t, "squeezed", imagetest.LayerOptions{Zstd: true}))
	img, err := (&remote.Puller{}).Fetch(ctx(t), reg.Ref("zstd:1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if mt, _ := layers[0].MediaType(); mt != types.OCILayerZStd {
		t.Errorf("layer media type %s, want %s", mt, types.OCILayerZStd)
	}
	if got := readMsg(t, img); got != "squeezed" {
		t.Errorf("/msg = %q", got)
	}
}

func dockerConfigSecret(name, host, user, pass string) corev1.Secret {
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	b, _ := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{"auth": auth}}})
	return corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: b},
	}
}

func TestFetchBasicAuth(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{Username: "alice", Password: "s3cret"})
	reg.MustPush(t, "private/app:1", fileImage(t, "private", imagetest.LayerOptions{}))
	ref := reg.Ref("private/app:1")
	p := &remote.Puller{}

	_, err := p.Fetch(ctx(t), ref, nil)
	if !remote.IsRefused(err) || !errors.Is(err, remote.ErrUnauthorized) || remote.IsUnreachable(err) {
		t.Fatalf("no credentials: %v, want a refused (unauthorized) error", err)
	}
	t.Log(err)
	want := fmt.Sprintf("failed to pull and unpack image %q: failed to resolve reference %q: pull access denied, repository does not exist or may require authorization", ref, ref)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q\nwant prefix %q", err, want)
	}

	wrong := dockerConfigSecret("wrong", reg.Host, "alice", "nope")
	right := dockerConfigSecret("right", reg.Host, "alice", "s3cret")
	other := dockerConfigSecret("other", "registry.example.com", "bob", "x")
	for _, tc := range []struct {
		name    string
		secrets []corev1.Secret
		ok      bool
	}{
		{"right secret", []corev1.Secret{right}, true},
		{"wrong then right: each credential is tried", []corev1.Secret{wrong, right}, true},
		{"only another registry's secret", []corev1.Secret{other}, false},
		{"wrong secret", []corev1.Secret{wrong}, false},
	} {
		kc, err := remote.SecretsKeychain(tc.secrets)
		if err != nil {
			t.Fatal(err)
		}
		img, err := p.Fetch(ctx(t), ref, kc)
		if tc.ok {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if got := readMsg(t, img); got != "private" {
				t.Errorf("%s: /msg = %q", tc.name, got)
			}
		} else if !errors.Is(err, remote.ErrUnauthorized) {
			t.Errorf("%s: %v, want unauthorized", tc.name, err)
		}
	}

	// registries.yaml's configs.auth, when no secret matches.
	regs, err := remote.ParseRegistries([]byte(fmt.Sprintf("configs:\n  %q:\n    auth:\n      username: alice\n      password: s3cret\n", reg.Host)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&remote.Puller{Registries: regs}).Fetch(ctx(t), ref, nil); err != nil {
		t.Errorf("configs auth: %v", err)
	}
}

func TestFetchDockerHubMirror(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	want := reg.MustPush(t, "library/perl:latest", fileImage(t, "perl", imagetest.LayerOptions{}))
	reg.MustPush(t, "mirrored/perl:latest", fileImage(t, "rewritten", imagetest.LayerOptions{}))
	closed, err := imagetest.ClosedPort()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, yaml, msg string
	}{
		{"mirror", fmt.Sprintf("mirrors:\n  docker.io:\n    endpoint: [\"http://%s\"]\n", reg.Host), "perl"},
		{"unreachable mirror first", fmt.Sprintf("mirrors:\n  docker.io:\n    endpoint: [\"http://%s\", \"http://%s\"]\n", closed, reg.Host), "perl"},
		{"wildcard mirror", fmt.Sprintf("mirrors:\n  \"*\":\n    endpoint: [\"http://%s\"]\n", reg.Host), "perl"},
		{"rewrite", fmt.Sprintf("mirrors:\n  docker.io:\n    endpoint: [\"http://%s\"]\n    rewrite:\n      \"^library/(.*)\": \"mirrored/$1\"\n", reg.Host), "rewritten"},
	} {
		regs, err := remote.ParseRegistries([]byte(tc.yaml))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		img, err := (&remote.Puller{Registries: regs}).Fetch(ctx(t), "perl", nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := readMsg(t, img); got != tc.msg {
			t.Errorf("%s: /msg = %q, want %q", tc.name, got, tc.msg)
		}
		if tc.msg == "perl" && digest(t, img) != want {
			t.Errorf("%s: digest %s, want %s", tc.name, digest(t, img), want)
		}
	}
	if !slices.Contains(reg.Requests(), "GET /v2/library/perl/manifests/latest") {
		t.Errorf("the mirror was not asked for library/perl:latest: %v", reg.Requests())
	}
}

func TestFetchUnreachable(t *testing.T) {
	closed, err := imagetest.ClosedPort()
	if err != nil {
		t.Fatal(err)
	}
	ref := closed + "/app:1"
	_, err = (&remote.Puller{}).Fetch(ctx(t), ref, nil)
	if !remote.IsUnreachable(err) || remote.IsRefused(err) {
		t.Fatalf("closed port: %v, want an unreachable error", err)
	}
	if want := fmt.Sprintf("failed to pull and unpack image %q: failed to resolve reference %q: failed to do request: ", ref, ref); !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q\nwant prefix %q", err, want)
	}

	// A mirror that lacks the image says nothing about the registry: with
	// the registry unreachable, the pull is unreachable.
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	regs, err := remote.ParseRegistries([]byte(fmt.Sprintf("mirrors:\n  %q:\n    endpoint: [\"http://%s\"]\n", closed, reg.Host)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&remote.Puller{Registries: regs}).Fetch(ctx(t), ref, nil); !remote.IsUnreachable(err) {
		t.Errorf("mirror without the image, registry unreachable: %v, want unreachable", err)
	}
}

func TestFetchNotFound(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	reg.MustPush(t, "app:1", fileImage(t, "x", imagetest.LayerOptions{}))
	for _, ref := range []string{reg.Ref("app:2"), reg.Ref("nothing:1")} {
		_, err := (&remote.Puller{}).Fetch(ctx(t), ref, nil)
		if !errors.Is(err, remote.ErrNotFound) || !remote.IsRefused(err) || remote.IsUnreachable(err) {
			t.Errorf("%s: %v, want not found", ref, err)
			continue
		}
		want := fmt.Sprintf("failed to pull and unpack image %q: failed to resolve reference %q: %s: not found", ref, ref, ref)
		if err.Error() != want {
			t.Errorf("error %q\nwant %q", err, want)
		}
	}
}

func TestFetchInvalidName(t *testing.T) {
	_, err := (&remote.Puller{}).Fetch(ctx(t), "Bad/Name:1", nil)
	if !errors.Is(err, remote.ErrInvalidName) {
		t.Errorf("got %v, want an invalid name error", err)
	}
}

func TestLoadRegistries(t *testing.T) {
	dir := t.TempDir()
	r, err := remote.LoadRegistries(filepath.Join(dir, "missing.yaml"))
	if err != nil || r == nil {
		t.Fatalf("missing file: %v, %v; want an empty config", r, err)
	}
	path := filepath.Join(dir, "registries.yaml")
	if err := os.WriteFile(path, []byte("mirrors:\n  docker.io:\n    endpoints: [\"http://x\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = remote.LoadRegistries(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `unknown field "mirrors["docker.io"].endpoints"`) {
		t.Errorf("misspelt field: %v, want an error naming the file and the field", err)
	}
}

func TestParseRegistriesErrors(t *testing.T) {
	for _, tc := range []struct {
		yaml, want string
	}{
		{"mirrors:\n  docker.io:\n    endpoint: [\"ftp://x\"]\n", `mirrors["docker.io"].endpoint[0]: invalid URL "ftp://x": scheme must be http or https`},
		{"mirrors:\n  docker.io:\n    endpoint: [\"https://x/prefix\"]\n", `mirrors["docker.io"].endpoint[0]: invalid URL "https://x/prefix": endpoint paths are not supported`},
		{"mirrors:\n  docker.io:\n    rewrite:\n      \"(\": \"x\"\n", `mirrors["docker.io"].rewrite["("]: error parsing regexp`},
		{"mirrors:\n  https://docker.io:\n    endpoint: [\"https://x\"]\n", `mirrors["https://docker.io"]: must be a host[:port]`},
		{"configs:\n  r.example.com:\n    tls:\n      ca_file: /nonexistent/ca.pem\n", `configs["r.example.com"].tls.ca_file: open /nonexistent/ca.pem`},
		{"configs:\n  r.example.com:\n    tls:\n      cert_file: /c.pem\n", `configs["r.example.com"].tls.cert_file and key_file: both or neither must be set`},
		{"configs:\n  r.example.com:\n    auth:\n      auth: '%%%'\n", `configs["r.example.com"].auth.auth: not base64`},
		{"configs:\n  r.example.com:\n    auth:\n      user: x\n", `unknown field "configs["r.example.com"].auth.user"`},
		{"mirrors:\n  docker.io:\n    endpoint: http://x\n", `cannot unmarshal string`},
	} {
		_, err := remote.ParseRegistries([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v\nwant it to contain %q", tc.yaml, err, tc.want)
		}
	}
	if _, err := remote.ParseRegistries([]byte(`
mirrors:
  docker.io:
    endpoint: ["https://mirror.example.com:5000", "http://10.0.0.1:5000", "plain.example.com"]
    rewrite:
      "^rancher/(.*)": "mirrorproject/rancher-images/$1"
  "*": {}
configs:
  "mirror.example.com:5000":
    auth: {username: u, password: p}
    tls: {insecure_skip_verify: true}
  "*":
    auth: {auth: dTpw, identitytoken: tok}
`)); err != nil {
		t.Errorf("a valid file: %v", err)
	}
}

func TestFetchTLS(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{TLS: true})
	reg.MustPush(t, "tls:1", fileImage(t, "secure", imagetest.LayerOptions{}))
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, reg.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, tls string
	}{
		{"ca_file", fmt.Sprintf("ca_file: %s", ca)},
		{"insecure_skip_verify", "insecure_skip_verify: true"},
	} {
		regs, err := remote.ParseRegistries([]byte(fmt.Sprintf("configs:\n  %q:\n    tls:\n      %s\n", reg.Host, tc.tls)))
		if err != nil {
			t.Fatal(err)
		}
		img, err := (&remote.Puller{Registries: regs}).Fetch(ctx(t), reg.Ref("tls:1"), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := readMsg(t, img); got != "secure" {
			t.Errorf("%s: /msg = %q", tc.name, got)
		}
	}
	// An untrusted certificate is the registry answering wrongly, not an
	// unreachable registry: no fallback to the host's image table.
	_, err := (&remote.Puller{}).Fetch(ctx(t), reg.Ref("tls:1"), nil)
	if err == nil || remote.IsUnreachable(err) || remote.IsRefused(err) {
		t.Errorf("untrusted certificate: %v, want a failure neither unreachable nor refused", err)
	}
	t.Log(err)
}

// TestFetchNoRoute: a registry behind no route (TEST-NET-1) or a name that
// cannot resolve is unreachable, ended by the dial timeout rather than by the
// caller's deadline.
func TestFetchNoRoute(t *testing.T) {
	for _, ref := range []string{"192.0.2.1:5000/app:1", "registry.invalid/app:1"} {
		c := ctx(t)
		_, err := (&remote.Puller{}).Fetch(c, ref, nil)
		if !remote.IsUnreachable(err) {
			t.Errorf("%s: %v, want unreachable", ref, err)
		}
		if c.Err() != nil {
			t.Errorf("%s: the caller's deadline ended the pull, not the dial timeout", ref)
		}
		t.Log(err)
	}

	// A registry that accepts connections and never answers: the dial (TLS
	// handshake) and response-header timeouts end the pull.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	c := ctx(t)
	p := &remote.Puller{DialTimeout: 300 * time.Millisecond, ResponseTimeout: 300 * time.Millisecond}
	_, err = p.Fetch(c, ln.Addr().String()+"/app:1", nil)
	if !remote.IsUnreachable(err) || c.Err() != nil {
		t.Errorf("silent registry: %v (context: %v), want unreachable by the timeouts", err, c.Err())
	}
	t.Log(err)
}

// layerStore is an Adder that reads every layer, as the image store does.
type layerStore struct{ names []string }

func (s *layerStore) Add(_ context.Context, img v1.Image, names ...string) (string, error) {
	layers, err := img.Layers()
	if err != nil {
		return "", err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return "", err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return "", err
		}
	}
	s.names = append(s.names, names...)
	h, err := img.Digest()
	return h.String(), err
}

func TestPullInto(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	img := imagetest.Must(imagetest.Busybox())
	want := reg.MustPush(t, "library/busybox:1", img)
	regs, err := remote.ParseRegistries([]byte(fmt.Sprintf("mirrors:\n  docker.io:\n    endpoint: [\"http://%s\"]\n", reg.Host)))
	if err != nil {
		t.Fatal(err)
	}
	store := &layerStore{}
	got, err := remote.PullInto(ctx(t), store, &remote.Puller{Registries: regs}, "busybox:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != want.String() || !slices.Equal(store.names, []string{"docker.io/library/busybox:1"}) {
		t.Errorf("stored %s as %v, want %s as docker.io/library/busybox:1", got, store.names, want)
	}
}

// TestMirrorYAML: the test registry's own registries.yaml parses and works,
// with its credentials.
func TestMirrorYAML(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{Username: "u", Password: "p w"})
	reg.MustPush(t, "library/perl:latest", fileImage(t, "perl", imagetest.LayerOptions{}))
	regs, err := remote.ParseRegistries([]byte(reg.MirrorYAML("docker.io")))
	if err != nil {
		t.Fatalf("%v\n%s", err, reg.MirrorYAML("docker.io"))
	}
	img, err := (&remote.Puller{Registries: regs}).Fetch(ctx(t), "perl", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := readMsg(t, img); got != "perl" {
		t.Errorf("/msg = %q", got)
	}
}

// TestFetchResumesLayer: a registry that breaks every whole-blob download
// part way; the layer is read to its end through Range requests, and its
// digest verifies.
func TestFetchResumesLayer(t *testing.T) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{CutBlobsAfter: 64 << 10})
	img := imagetest.Must(imagetest.Busybox())
	reg.MustPush(t, "busybox:1", img)
	got, err := (&remote.Puller{}).Fetch(ctx(t), reg.Ref("busybox:1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := got.Layers()
	if err != nil {
		t.Fatal(err)
	}
	size, _ := layers[0].Size()
	if size <= 64<<10 {
		t.Fatalf("the layer (%d bytes) is too small to be cut", size)
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	rc.Close()
	if err != nil || n != size {
		t.Fatalf("read %d of %d bytes: %v", n, size, err)
	}
	dig, _ := layers[0].Digest()
	if !slices.ContainsFunc(reg.Requests(), func(r string) bool {
		return strings.Contains(r, fmt.Sprintf("/blobs/%s (range bytes=65536-%d)", dig, size-1))
	}) {
		t.Errorf("no range request from the cut: %v", reg.Requests())
	}
	// The uncompressed stream (what the store unpacks) is whole too.
	rc, err = layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	found := false
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		found = found || hdr.Name == "usr/bin/busybox"
	}
	if !found {
		t.Error("no usr/bin/busybox in the resumed layer")
	}
}
