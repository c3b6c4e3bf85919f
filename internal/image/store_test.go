package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sys/unix"
)

func layerOf(t testing.TB, opts []tarball.LayerOption, entries ...entry) v1.Layer {
	t.Helper()
	data := tarOf(t, entries...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func imageOf(t testing.TB, cfg v1.Config, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.Config(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// busyboxLayer is Debian's busybox-static as an image's base layer.
func busyboxLayer(t testing.TB) v1.Layer {
	t.Helper()
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Skip("needs /bin/busybox (Debian's busybox-static)")
	}
	return layerOf(t, nil,
		entry{name: "bin/"}, entry{name: "bin/busybox", body: string(bb), mode: 0o755},
		entry{name: "bin/sh", typ: tar.TypeSymlink, link: "busybox"},
		entry{name: "etc/"},
		entry{name: "etc/passwd", body: "root:x:0:0:root:/root:/bin/sh\n"},
		entry{name: "etc/group", body: "root:x:0:\n"},
		entry{name: "etc/os-release", body: "base\n"},
		entry{name: "etc/motd", body: "base motd\n"},
		entry{name: "var/"}, entry{name: "var/cache/"}, entry{name: "var/cache/old", body: "old"},
	)
}

// appLayer changes the base: a new user, a deleted file, an opaque
// directory, symlinks that point out of the root and back.
func appLayer(t testing.TB, opts ...tarball.LayerOption) v1.Layer {
	return layerOf(t, opts,
		entry{name: "etc/"},
		entry{name: "etc/passwd", body: "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"},
		entry{name: "etc/.wh.motd"},
		entry{name: "var/cache/"}, entry{name: "var/cache/.wh..wh..opq"}, entry{name: "var/cache/new", body: "new"},
		entry{name: "app/"},
		entry{name: "app/run.sh", body: "#!/bin/sh\necho hi\n", mode: 0o755},
		entry{name: "app/passwd", typ: tar.TypeSymlink, link: "../../../../etc/passwd"},
		entry{name: "app/etc", typ: tar.TypeSymlink, link: "/etc"},
		entry{name: "app/loop", typ: tar.TypeSymlink, link: "loop"},
	)
}

func openStore(t *testing.T, o Options) *Store {
	t.Helper()
	requireRoot(t)
	s, err := Open(filepath.Join(t.TempDir(), "images"), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAddLookupReadFile(t *testing.T) {
	s := openStore(t, Options{})
	ctx := context.Background()
	img := imageOf(t, v1.Config{Entrypoint: []string{"/app/run.sh"}, User: "app"}, busyboxLayer(t), appLayer(t))
	got, err := s.Add(ctx, img, "example.com/team/app:1.4", "app")
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := img.Digest()
	cfgName, _ := img.ConfigName()
	if got.Digest != digest.String() || got.ID != cfgName.String() {
		t.Errorf("Digest %s ID %s, want %s %s", got.Digest, got.ID, digest, cfgName)
	}
	if want := []string{"example.com/team/app:1.4", "docker.io/library/app:latest"}; !slices.Equal(got.Names, want) {
		t.Errorf("Names %v, want %v", got.Names, want)
	}
	if want := "example.com/team/app@" + digest.String(); !slices.Contains(got.RepoDigests, want) {
		t.Errorf("RepoDigests %v lack %s", got.RepoDigests, want)
	}
	if got.Config.User != "app" || got.Config.Entrypoint[0] != "/app/run.sh" {
		t.Errorf("Config %+v", got.Config)
	}
	if len(got.Layers) != 2 || got.Size == 0 {
		t.Fatalf("Layers %v Size %d", got.Layers, got.Size)
	}
	for _, ref := range []string{"app", "docker.io/library/app", "example.com/team/app:1.4", digest.String(), cfgName.String(),
		cfgName.Hex[:12], "example.com/team/app@" + digest.String()} {
		if l, err := s.Lookup(ref); err != nil || l.Digest != got.Digest {
			t.Errorf("Lookup(%q) = %v", ref, err)
		}
	}
	for _, ref := range []string{"redis", "example.com/team/app:1.5", "other/repo@" + digest.String(), "sha256:" + strings.Repeat("0", 64)} {
		if _, err := s.Lookup(ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("Lookup(%q) = %v, want ErrNotFound", ref, err)
		}
	}

	for _, tc := range []struct{ path, want string }{
		{"/etc/passwd", "app:x:1000"},
		{"etc/group", "root:x:0:"},
		{"/etc/os-release", "base"},
		{"/app/passwd", "app:x:1000"},     // relative target climbing past the root
		{"/app/etc/passwd", "app:x:1000"}, // absolute target: the image's /etc, not the host's
		{"/var/cache/new", "new"},
		{"/bin/../etc/./group", "root"},
	} {
		b, err := got.ReadFile(tc.path)
		if err != nil || !strings.Contains(string(b), tc.want) {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", tc.path, b, err, tc.want)
		}
	}
	for _, p := range []string{"/etc/motd", "/var/cache/old", "/nope", "/etc/shadow"} {
		if _, err := got.ReadFile(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadFile(%s) = %v, want not found (whiteout, opaque dir, absent)", p, err)
		}
	}
	if _, err := got.ReadFile("/app/loop"); err == nil {
		t.Error("ReadFile of a symlink loop succeeded")
	}
	if _, err := got.ReadFile("/etc"); err == nil {
		t.Error("ReadFile of a directory succeeded")
	}

	// Added under another digest (a pull of a multi-platform index by
	// digest), it answers to that reference too.
	indexRef := "example.com/team/app@sha256:" + strings.Repeat("c", 64)
	if _, err := s.Add(ctx, img, indexRef); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Lookup(indexRef); err != nil || l.Digest != got.Digest || !slices.Contains(l.RepoDigests, indexRef) {
		t.Errorf("Lookup(%s) = %+v, %v", indexRef, l, err)
	}

	// A second image sharing the base reuses its layer directory.
	other := imageOf(t, v1.Config{}, busyboxLayer(t))
	o, err := s.Add(ctx, other, "busybox:1")
	if err != nil {
		t.Fatal(err)
	}
	if o.Layers[0] != got.Layers[0] {
		t.Errorf("shared base layer unpacked twice: %s vs %s", o.Layers[0], got.Layers[0])
	}
	list, err := s.List()
	if err != nil || len(list) != 2 {
		t.Fatalf("List: %d images, %v", len(list), err)
	}
}

// TestAddCompressions stores the same file system from gzip, zstd and
// uncompressed layers; all three unpack to the same diffID directory.
func TestAddCompressions(t *testing.T) {
	s := openStore(t, Options{})
	ctx := context.Background()
	var dirs []string
	for _, opts := range [][]tarball.LayerOption{
		nil,
		{tarball.WithCompression(compression.ZStd), tarball.WithMediaType(types.OCILayerZStd)},
	} {
		l := appLayer(t, opts...)
		if magic := mustCompressed(t, l)[:4]; opts != nil && !bytes.Equal(magic, zstdMagic) {
			t.Fatalf("the zstd layer starts with %x", magic)
		}
		img := imageOf(t, v1.Config{}, l)
		got, err := s.Add(ctx, img)
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, got.Layers[0])
		if b, err := got.ReadFile("/app/run.sh"); err != nil || !strings.Contains(string(b), "echo hi") {
			t.Errorf("ReadFile: %q, %v", b, err)
		}
	}
	raw := rawLayer{appLayer(t)}
	got, err := s.Add(ctx, imageOf(t, v1.Config{Cmd: []string{"x"}}, raw))
	if err != nil {
		t.Fatal(err)
	}
	dirs = append(dirs, got.Layers[0])
	if dirs[0] != dirs[1] || dirs[0] != dirs[2] {
		t.Errorf("layer dirs differ: %v", dirs)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "app/run.sh")); err != nil {
		t.Error(err)
	}
}

// rawLayer serves its tar stream as the "compressed" blob, as
// an image with uncompressed layers (application/vnd.oci.image.layer.v1.tar)
// does.
type rawLayer struct{ v1.Layer }

func (l rawLayer) Compressed() (io.ReadCloser, error) { return l.Layer.Uncompressed() }
func (l rawLayer) Digest() (v1.Hash, error)           { return l.Layer.DiffID() }
func (l rawLayer) Size() (int64, error) {
	rc, _ := l.Layer.Uncompressed()
	defer rc.Close()
	return io.Copy(io.Discard, rc)
}
func (l rawLayer) MediaType() (types.MediaType, error) {
	return types.OCIUncompressedLayer, nil
}

// badLayer lies about its content.
type badLayer struct {
	v1.Layer
	data []byte
	diff v1.Hash
}

func (l badLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.data)), nil
}
func (l badLayer) DiffID() (v1.Hash, error) {
	if l.diff.Hex != "" {
		return l.diff, nil
	}
	return l.Layer.DiffID()
}

func TestAddRefusesAndLeavesNothing(t *testing.T) {
	s := openStore(t, Options{MaxLayerSize: 1 << 20})
	ctx := context.Background()
	good := appLayer(t)
	goodDigest, _ := good.Digest()
	hostile := layerOf(t, nil, entry{name: "a", body: "x"}, entry{name: "../escape", body: "x"})
	hostileDigest, _ := hostile.Digest()
	bomb := layerOf(t, nil, entry{name: "zeros", body: strings.Repeat("\x00", 8<<20)})
	bombDigest, _ := bomb.Digest()
	if size, _ := bomb.Size(); size > 64<<10 {
		t.Fatalf("the bomb is %d bytes compressed", size)
	}
	other := layerOf(t, nil, entry{name: "other", body: "other"})
	otherDiff, _ := other.DiffID()
	base := layerOf(t, nil, entry{name: "etc/"}, entry{name: "etc/passwd", body: "root:x:0:0::/:/bin/sh\n"})
	for _, tc := range []struct {
		name  string
		layer v1.Layer
		want  string
	}{
		{"hostile", hostile, hostileDigest.String()},
		{"bomb", bomb, bombDigest.String()},
		{"wrong digest", badLayer{Layer: good, data: mustCompressed(t, other)}, goodDigest.String()},
		{"wrong diffID", badLayer{Layer: good, data: mustCompressed(t, good), diff: otherDiff}, goodDigest.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := imageOf(t, v1.Config{}, base, tc.layer)
			_, err := s.Add(ctx, img, "hostile:"+strings.ReplaceAll(tc.name, " ", "-"))
			if err == nil || !strings.Contains(err.Error(), "docker.io/library/hostile:") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Add: %v; want an error naming the image and layer %s", err, tc.want)
			}
			entries, _ := os.ReadDir(s.layersDir())
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".tmp") {
					t.Errorf("left behind: %s", e.Name())
				}
			}
			if _, err := os.Lstat(filepath.Join(filepath.Dir(s.Dir()), "escape")); err == nil {
				t.Error("escape was written")
			}
			if _, err := s.Lookup("hostile:" + strings.ReplaceAll(tc.name, " ", "-")); !errors.Is(err, ErrNotFound) {
				t.Errorf("the refused image is in the store: %v", err)
			}
		})
	}
	// Layer-level resume: the base layer finished before the refusal stays,
	// and the next Add does not fetch it again.
	bd, _ := base.DiffID()
	if _, err := os.Stat(filepath.Join(s.layersDir(), bd.Hex, "etc/passwd")); err != nil {
		t.Errorf("the finished base layer was not kept for the next Add: %v", err)
	}
	var mu sync.Mutex
	opens := 0
	if _, err := s.Add(ctx, imageOf(t, v1.Config{}, countingLayer{Layer: base, mu: &mu, opens: &opens}, good), "resumed"); err != nil {
		t.Fatal(err)
	}
	if opens != 0 {
		t.Errorf("the base layer was fetched again (%d times)", opens)
	}
}

func mustCompressed(t *testing.T, l v1.Layer) []byte {
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// countingLayer counts how often its blob is opened.
type countingLayer struct {
	v1.Layer
	mu    *sync.Mutex
	opens *int
}

func (l countingLayer) Compressed() (io.ReadCloser, error) {
	l.mu.Lock()
	*l.opens++
	l.mu.Unlock()
	return l.Layer.Compressed()
}

func TestConcurrentAddsUnpackOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "images")
	requireRoot(t)
	var mu sync.Mutex
	opens := 0
	base := countingLayer{Layer: busyboxLayer(t), mu: &mu, opens: &opens}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Half share a Store (singleflight), half open their own, as
			// another process would (flock per layer).
			s, err := Open(dir, Options{})
			if err != nil {
				errs[i] = err
				return
			}
			img := imageOf(t, v1.Config{Cmd: []string{string(rune('a' + i))}}, base)
			_, errs[i] = s.Add(context.Background(), img, "img:"+string(rune('a'+i)))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if opens != 1 {
		t.Errorf("the shared layer was fetched %d times, want 1", opens)
	}
	s, _ := Open(dir, Options{})
	list, _ := s.List()
	if len(list) != 6 {
		t.Errorf("%d images, want 6", len(list))
	}
}

func TestTagMoves(t *testing.T) {
	s := openStore(t, Options{})
	ctx := context.Background()
	a, err := s.Add(ctx, imageOf(t, v1.Config{Cmd: []string{"a"}}, appLayer(t)), "app:1", "app:latest")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Add(ctx, imageOf(t, v1.Config{Cmd: []string{"b"}}, appLayer(t)), "app:latest")
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := s.Lookup("app"); l.Digest != b.Digest {
		t.Error("app:latest did not move to the new image")
	}
	if l, _ := s.Lookup(a.Digest); !slices.Equal(l.Names, []string{"docker.io/library/app:1"}) {
		t.Errorf("old image names %v", l.Names)
	}
}

func TestRemovePruneLeases(t *testing.T) {
	s := openStore(t, Options{})
	ctx := context.Background()
	a, err := s.Add(ctx, imageOf(t, v1.Config{}, busyboxLayer(t), appLayer(t)), "app:1", "app:2")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Add(ctx, imageOf(t, v1.Config{}, busyboxLayer(t)), "busybox")
	if err != nil {
		t.Fatal(err)
	}
	// A tag of an image with other names only loses that name.
	if err := s.Remove("app:2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup("app:2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("app:2 still there: %v", err)
	}
	if err := s.Hold("pod-uid/c1", "app:1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("app:1"); !errors.Is(err, ErrInUse) {
		t.Fatalf("Remove of a held image: %v, want ErrInUse", err)
	}
	// Leases survive a restart: a new Store over the same directory.
	s2, err := Open(s.Dir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	removed, err := s2.Prune()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{b.Digest}) {
		t.Errorf("Prune removed %v, want only %s", removed, b.Digest)
	}
	// The base layer stays: the held image uses it.
	if _, err := os.Stat(a.Layers[0]); err != nil {
		t.Errorf("a layer of a held image was removed: %v", err)
	}
	if err := s2.Release("pod-uid/c1"); err != nil {
		t.Fatal(err)
	}
	if err := s2.Release("pod-uid/c1"); err != nil {
		t.Errorf("second Release: %v", err)
	}
	if err := s2.Remove(a.ID); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"layers", "blobs/sha256"} {
		if entries, _ := os.ReadDir(filepath.Join(s.Dir(), sub)); len(entries) != 0 {
			t.Errorf("%s not empty after removing every image: %d entries", sub, len(entries))
		}
	}
	if err := s2.Remove("app:1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove of a removed image: %v", err)
	}
}

func TestGC(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var used int64
	const capacity = 1000
	var s *Store
	s = openStore(t, Options{
		Now: func() time.Time { return now },
		// The fake disk holds exactly the store's layers.
		DiskUsage: func(string) (int64, int64, error) { return used, capacity, nil },
	})
	ctx := context.Background()
	var imgs []*Image
	for i, n := range []string{"old", "middle", "held", "new"} {
		now = now.Add(time.Minute)
		img, err := s.Add(ctx, imageOf(t, v1.Config{}, layerOf(t, nil, entry{name: n, body: strings.Repeat("x", 100*(i+1))})), n)
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	if err := s.Hold("c", "held"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if err := s.Hold("c2", "old"); err != nil { // "old" used last: now the most recent
		t.Fatal(err)
	}
	if err := s.Release("c2"); err != nil {
		t.Fatal(err)
	}

	// Within MinAge of their use, even unheld images stay.
	used = 1000
	if freed, err := s.GC(ctx, GCPolicy{HighPercent: 85, LowPercent: 80, MinAge: 10 * time.Minute}); err == nil || freed != 0 {
		t.Fatalf("GC of images used within MinAge: freed %d, %v", freed, err)
	}
	now = now.Add(2 * time.Minute)
	used = 840 // below 85%: nothing
	if freed, err := s.GC(ctx, DefaultGCPolicy); err != nil || freed != 0 {
		t.Fatalf("GC below the threshold: %d, %v", freed, err)
	}
	used = 900 // to 80%: free 100 bytes; "middle" (200) is the least recently used unheld
	freed, err := s.GC(ctx, DefaultGCPolicy)
	if err != nil || freed != 200 {
		t.Fatalf("GC freed %d, %v; want 200", freed, err)
	}
	var names []string
	list, _ := s.List()
	for _, img := range list {
		names = append(names, img.Names...)
	}
	want := []string{"docker.io/library/held:latest", "docker.io/library/new:latest", "docker.io/library/old:latest"}
	if !slices.Equal(names, want) {
		t.Errorf("left %v, want %v", names, want)
	}
	if _, err := os.Stat(imgs[1].Layers[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the collected image's layer is still there: %v", err)
	}
	used = 1000 // free 200: new (400) then old... new is newer than old? old was held last
	freed, err = s.GC(ctx, DefaultGCPolicy)
	if err != nil || freed != 400 {
		t.Fatalf("GC freed %d, %v; want 400 (\"new\", the least recently used now)", freed, err)
	}
	used = 1000 // more than the unheld "old" (100) can free
	if _, err := s.GC(ctx, DefaultGCPolicy); err == nil || !strings.Contains(err.Error(), "Failed to garbage collect required amount of images") {
		t.Errorf("GC: %v, want the kubelet's shortfall error", err)
	}
	if _, err := s.Lookup("held"); err != nil {
		t.Errorf("the held image was collected: %v", err)
	}
}

func TestNormalize(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	for _, tc := range []struct{ in, want string }{
		{"redis", "docker.io/library/redis:latest"},
		{"redis:7", "docker.io/library/redis:7"},
		{"foo/bar", "docker.io/foo/bar:latest"},
		{"docker.io/redis", "docker.io/library/redis:latest"},
		{"index.docker.io/library/redis:7", "docker.io/library/redis:7"},
		{"localhost:5000/x", "localhost:5000/x:latest"},
		{"127.0.0.1:5000/a/b:c", "127.0.0.1:5000/a/b:c"},
		{"registry.k8s.io/nginx-slim:0.8", "registry.k8s.io/nginx-slim:0.8"},
		{"redis@" + d, "docker.io/library/redis@" + d},
		{"redis:7@" + d, "docker.io/library/redis@" + d},
	} {
		if got, err := Normalize(tc.in); err != nil || got != tc.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "UPPER/case", "a b", "redis@sha256:short"} {
		if got, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", bad, got)
		}
	}
}

// TestReadFileOverlaySemantics checks ReadFile against overlayfs's rules
// where layers disagree about what a path is.
func TestReadFileOverlaySemantics(t *testing.T) {
	s := openStore(t, Options{})
	lower := layerOf(t, nil,
		entry{name: "s", typ: tar.TypeSymlink, link: "/etc"}, // a symlink below, a dir above
		entry{name: "etc/"}, entry{name: "etc/passwd", body: "lower"},
		entry{name: "d/"}, entry{name: "d/f", body: "lower d/f"}, // a dir below, a file above
		entry{name: "o/"}, entry{name: "o/sub/"}, entry{name: "o/sub/f", body: "lower o/sub/f"}, // hidden by an opaque o
		entry{name: "w/"}, entry{name: "w/f", body: "lower w/f"}, // w deleted above
		entry{name: "m/"}, entry{name: "m/lower", body: "lower m"}, // merged
	)
	upper := layerOf(t, nil,
		entry{name: "s/"}, entry{name: "s/x", body: "upper s/x"},
		entry{name: "d", body: "upper d"},
		entry{name: "o/"}, entry{name: "o/.wh..wh..opq"}, entry{name: "o/sub/"},
		entry{name: ".wh.w"},
		entry{name: "m/"}, entry{name: "m/upper", body: "upper m"},
	)
	img, err := s.Add(context.Background(), imageOf(t, v1.Config{}, lower, upper))
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{
		"/s/x": "upper s/x", "/d": "upper d", "/m/lower": "lower m", "/m/upper": "upper m", "/etc/passwd": "lower",
	} {
		if b, err := img.ReadFile(p); err != nil || string(b) != want {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", p, b, err, want)
		}
	}
	for _, p := range []string{"/s/passwd", "/d/f", "/o/sub/f", "/w/f"} {
		if b, err := img.ReadFile(p); err == nil {
			t.Errorf("ReadFile(%s) = %q, want an error (hidden by the upper layer)", p, b)
		}
	}

	// The kernel agrees: the layers mounted as a (read-only) overlay, with
	// lowerdir built from names relative to layers/ as the runtime will.
	mnt := t.TempDir()
	lowerdir := filepath.Base(img.Layers[1]) + ":" + filepath.Base(img.Layers[0])
	if err := mountOverlayAt(filepath.Dir(img.Layers[0]), mnt, "lowerdir="+lowerdir); err != nil {
		t.Skipf("no overlayfs here: %v", err)
	}
	defer unix.Unmount(mnt, unix.MNT_DETACH)
	for _, p := range []string{"/s/x", "/d", "/m/lower", "/m/upper", "/etc/passwd", "/s/passwd", "/d/f", "/o/sub/f", "/w/f"} {
		want, werr := os.ReadFile(filepath.Join(mnt, p))
		got, gerr := img.ReadFile(p)
		if (werr == nil) != (gerr == nil) || string(got) != string(want) {
			t.Errorf("%s: overlayfs reads %q, %v; ReadFile %q, %v", p, want, werr, got, gerr)
		}
	}
}

// mountOverlayAt mounts an overlay at mnt with options relative to dir,
// made from dir as the (process-wide) working directory.
func mountOverlayAt(dir, mnt, opts string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if err := os.Chdir(dir); err != nil {
		return err
	}
	defer os.Chdir(wd)
	return unix.Mount("overlay", mnt, "overlay", unix.MS_RDONLY, opts)
}
