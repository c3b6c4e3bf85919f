package imagetest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// entries reads a layer's tar headers by name.
func entries(t *testing.T, l v1.Layer) map[string]*tar.Header {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[hdr.Name] = hdr
	}
}

func TestLayerEntries(t *testing.T) {
	l, err := LayerWith(map[string]File{
		"usr/bin/tool":        {Contents: []byte("x"), Mode: 0o4755, UID: 0, GID: 0},
		"usr/bin/tool-link":   Hardlink("usr/bin/tool"),
		"usr/bin/alias":       Symlink("tool"),
		"home/app":            {Type: Directory, Mode: 0o750, UID: AppUID, GID: AppGID},
		"etc/.wh.motd":        Whiteout(),
		"var/" + OpaqueMarker: Whiteout(),
		"data/file":           {Contents: []byte("d"), Xattrs: map[string]string{"user.origin": "imagetest"}},
		"dev/null":            {Type: CharDevice, Major: 1, Minor: 3},
		"../escape":           Text("hostile", 0o644),
	}, LayerOptions{Zstd: true})
	if err != nil {
		t.Fatal(err)
	}
	e := entries(t, l)
	check := func(n string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("%s: %+v", n, e[n])
		}
	}
	check("usr/bin/tool", e["usr/bin/tool"] != nil && e["usr/bin/tool"].Mode == 0o4755)
	check("usr/bin/tool-link", e["usr/bin/tool-link"] != nil && e["usr/bin/tool-link"].Typeflag == tar.TypeLink && e["usr/bin/tool-link"].Linkname == "usr/bin/tool")
	check("usr/bin/alias", e["usr/bin/alias"] != nil && e["usr/bin/alias"].Typeflag == tar.TypeSymlink)
	check("home/app", e["home/app"] != nil && e["home/app"].Typeflag == tar.TypeDir && e["home/app"].Uid == AppUID)
	check("etc/.wh.motd", e["etc/.wh.motd"] != nil && e["etc/.wh.motd"].Size == 0)
	check("var/.wh..wh..opq", e["var/.wh..wh..opq"] != nil)
	check("data/file", e["data/file"] != nil && e["data/file"].PAXRecords["SCHILY.xattr.user.origin"] == "imagetest")
	check("dev/null", e["dev/null"] != nil && e["dev/null"].Typeflag == tar.TypeChar && e["dev/null"].Devminor == 3)
	check("../escape", e["../escape"] != nil)
}

// TestBusyboxRuns unpacks the busybox image with the host's tar and runs its
// shell in a chroot: the image is a working root file system.
func TestBusyboxRuns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root")
	}
	img, err := Busybox()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	e := entries(t, layers[0])
	if e["tmp"] == nil || e["tmp"].Mode != 0o1777 {
		t.Errorf("/tmp: %+v", e["tmp"])
	}
	root := t.TempDir()
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	untar := exec.Command("tar", "-x", "-C", root)
	untar.Stdin = rc
	if out, err := untar.CombinedOutput(); err != nil {
		t.Fatalf("tar: %v: %s", err, out)
	}
	out, err := exec.Command("chroot", root, "/bin/sh", "-c", "echo hello; id -u app; id -gn app; grep -c . /etc/group; ls /usr/bin/env /bin/sh").CombinedOutput()
	if err != nil {
		t.Fatalf("sh in the image: %v: %s", err, out)
	}
	if got, want := string(out), "hello\n1000\napp\n3\n/bin/sh\n/usr/bin/env\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

func TestSaveDocker(t *testing.T) {
	img := Must(Busybox())
	other := Must(Image(v1.Config{Cmd: []string{"true"}}, Must(Layer(map[string]File{"a": Text("a", 0o644)}))))
	dir := t.TempDir()
	path := filepath.Join(dir, "images.tar")
	if err := SaveDocker(path, map[string]v1.Image{"busybox:1": img, "registry.example.com/team/other:2": other}); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]v1.Image{"busybox:1": img, "registry.example.com/team/other:2": other} {
		tag, err := name.NewTag(ref)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tarball.ImageFromPath(path, &tag)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		gotCfg, _ := got.ConfigName()
		wantCfg, _ := want.ConfigName()
		if gotCfg != wantCfg {
			t.Errorf("%s: config %s, want %s", ref, gotCfg, wantCfg)
		}
	}
	gz := filepath.Join(dir, "images.tar.gz")
	if err := SaveDocker(gz, map[string]v1.Image{"busybox:1": img}); err != nil {
		t.Fatal(err)
	}
	if names := tarNames(t, gz); !names["manifest.json"] {
		t.Errorf("gzipped docker save: no manifest.json in %v", names)
	}
}

func TestSaveOCI(t *testing.T) {
	img := Must(Busybox())
	dir := t.TempDir()
	path := filepath.Join(dir, "images.tar")
	if err := SaveOCI(path, map[string]v1.Image{"docker.io/library/busybox:1": img}); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "layout")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tar", "-x", "-f", path, "-C", root).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v: %s", err, out)
	}
	idx, err := layout.ImageIndexFromPath(root)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if len(m.Manifests) != 1 || m.Manifests[0].Digest != want ||
		m.Manifests[0].Annotations[AnnotationContainerdName] != "index.docker.io/library/busybox:1" ||
		m.Manifests[0].Annotations[AnnotationRefName] != "1" {
		t.Errorf("index %+v, want one manifest %s annotated with its name", m.Manifests, want)
	}
	if _, err := idx.Image(want); err != nil {
		t.Errorf("image in the layout: %v", err)
	}
}

func tarNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names[hdr.Name] = true
	}
}

func TestRegistryBasicAuthChallenge(t *testing.T) {
	reg := StartRegistry(t, RegistryOptions{Username: "u", Password: "p"})
	resp, err := http.Get("http://" + reg.Host + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("unauthenticated: %s, WWW-Authenticate %q", resp.Status, resp.Header.Get("WWW-Authenticate"))
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+reg.Host+"/v2/", nil)
	req.SetBasicAuth("u", "p")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("authenticated: %s", resp.Status)
	}
	if _, err := reg.Push("app:1", Must(Busybox())); err != nil {
		t.Errorf("push with the registry's credentials: %v", err)
	}
}

// unpack extracts an image's layers, base first, with the host's tar.
func unpack(t *testing.T, img v1.Image) string {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		untar := exec.Command("tar", "-x", "-C", root)
		untar.Stdin = rc
		out, err := untar.CombinedOutput()
		rc.Close()
		if err != nil {
			t.Fatalf("tar: %v: %s", err, out)
		}
	}
	return root
}

// TestFromDebianPackages builds seed 000's redis image from the host's
// Debian packages and runs redis-server and redis-cli in a chroot of it.
func TestFromDebianPackages(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root")
	}
	if err := exec.Command("dpkg", "-s", "redis-server", "redis-tools").Run(); err != nil {
		t.Skip("redis-server and redis-tools are not installed")
	}
	img, err := FromDebianPackages(v1.Config{Cmd: []string{"redis-server"}}, "redis-server", "redis-tools")
	if err != nil {
		t.Fatal(err)
	}
	root := unpack(t, img)
	out, err := exec.Command("chroot", root, "/bin/sh", "-c", "redis-server --version && redis-cli --version && ls /etc/redis/redis.conf").CombinedOutput()
	if err != nil {
		t.Fatalf("redis in the image: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "Redis server v=") || !strings.Contains(string(out), "redis-cli ") {
		t.Errorf("output %q", out)
	}
	// The server runs and answers the client, over a unix socket in the image.
	t.Cleanup(func() {
		if b, err := os.ReadFile(filepath.Join(root, "tmp/redis.pid")); err == nil {
			_ = exec.Command("kill", strings.TrimSpace(string(b))).Run()
		}
	})
	script := "redis-server --port 0 --unixsocket /tmp/redis.sock --daemonize yes --pidfile /tmp/redis.pid --dir /tmp --save '' >/dev/null && " +
		"for i in $(seq 100); do redis-cli -s /tmp/redis.sock ping 2>/dev/null && break; sleep 0.1; done; " +
		"redis-cli -s /tmp/redis.sock set k from-the-image >/dev/null && redis-cli -s /tmp/redis.sock get k && redis-cli -s /tmp/redis.sock shutdown nosave"
	out, err = exec.Command("chroot", root, "/bin/sh", "-c", script).CombinedOutput()
	if got := string(out); err != nil || !strings.HasPrefix(got, "PONG\n") || !strings.Contains(got, "from-the-image\n") {
		t.Errorf("redis-server and redis-cli in the image: %v: %q", err, got)
	}
	if _, err := os.Stat(filepath.Join(root, "usr/share/doc")); err == nil {
		t.Error("the image has documentation")
	}
	_, err = FromDebianPackages(v1.Config{}, "no-such-package-ordo")
	if err == nil || !strings.Contains(err.Error(), "dpkg -L no-such-package-ordo") {
		t.Errorf("a package that is not installed: %v", err)
	}
}

func TestBusyboxWith(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root")
	}
	img, err := BusyboxWith(map[string]File{
		"app":           Dir(0o755),
		"app/run.sh":    Text("#!/bin/sh\necho \"only in the image, as $(id -un)\"\n", 0o755),
		"etc/.wh.group": Whiteout(),
		"etc/group.d":   Dir(0o755),
		"usr/bin/hello": Hardlink("app/run.sh"),
	}, v1.Config{Entrypoint: []string{"/app/run.sh"}, User: "app", WorkingDir: "/app"})
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "app" || cf.Config.Entrypoint[0] != "/app/run.sh" || len(cf.Config.Env) != 1 || cf.OS != "linux" {
		t.Errorf("config %+v", cf)
	}
	root := unpack(t, img)
	out, err := exec.Command("chroot", "--userspec=1000:1000", root, "/usr/bin/hello").CombinedOutput()
	if err != nil || string(out) != "only in the image, as app\n" {
		t.Errorf("entrypoint: %v: %q", err, out)
	}
}

func TestSaveOCIIndex(t *testing.T) {
	var entries []PlatformImage
	for _, arch := range []string{"amd64", "arm64"} {
		p := v1.Platform{OS: "linux", Architecture: arch}
		entries = append(entries, PlatformImage{Platform: p, Image: Must(ImageFor(p, v1.Config{}, Must(Layer(map[string]File{"arch": Text(arch, 0o644)}))))})
	}
	idx := Index(entries...)
	dir := t.TempDir()
	path := filepath.Join(dir, "multi.tar")
	if err := SaveOCIIndex(path, "registry.example.com/multi:1", idx); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "layout")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tar", "-x", "-f", path, "-C", root).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v: %s", err, out)
	}
	top, err := layout.ImageIndexFromPath(root)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := idx.Digest()
	inner, err := top.ImageIndex(want)
	if err != nil {
		t.Fatalf("the index in the layout: %v", err)
	}
	m, err := inner.IndexManifest()
	if err != nil || len(m.Manifests) != 2 || m.Manifests[1].Platform.Architecture != "arm64" {
		t.Errorf("index %+v, %v", m, err)
	}
}
