package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// dockerSave writes a docker save archive of two images and returns its
// path, gzip-compressed with gz.
func dockerSave(t *testing.T, dir string, gz bool) (string, v1.Image, v1.Image) {
	t.Helper()
	a := imageOf(t, v1.Config{Cmd: []string{"a"}}, busyboxLayer(t), appLayer(t))
	b := imageOf(t, v1.Config{Cmd: []string{"b"}}, busyboxLayer(t))
	ta, _ := name.NewTag("registry.example.com/team/backup:1.4")
	tb, _ := name.NewTag("busybox:stable")
	p := filepath.Join(dir, "save.tar")
	if err := tarball.MultiWriteToFile(p, map[name.Tag]v1.Image{ta: a, tb: b}); err != nil {
		t.Fatal(err)
	}
	if gz {
		p = compressFile(t, p, "gzip")
	}
	return p, a, b
}

// compressFile compresses p into p+".gz" or p+".zst".
func compressFile(t *testing.T, p, how string) string {
	t.Helper()
	in, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out := p + ".gz"
	if how == "zstd" {
		out = p + ".zst"
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var w io.WriteCloser
	if how == "zstd" {
		w, _ = zstd.NewWriter(f)
	} else {
		w = gzip.NewWriter(f)
	}
	if _, err := io.Copy(w, in); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportDockerSave(t *testing.T) {
	for _, gz := range []bool{false, true} {
		s := openStore(t, Options{})
		p, a, _ := dockerSave(t, t.TempDir(), gz)
		imgs, err := s.Import(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if len(imgs) != 2 {
			t.Fatalf("imported %d images, want 2", len(imgs))
		}
		got, err := s.Lookup("registry.example.com/team/backup:1.4")
		if err != nil {
			t.Fatal(err)
		}
		if cfg, _ := a.ConfigName(); got.ID != cfg.String() {
			t.Errorf("ID %s, want %s", got.ID, cfg)
		}
		if b, err := got.ReadFile("/app/run.sh"); err != nil || !strings.Contains(string(b), "echo hi") {
			t.Errorf("ReadFile: %q, %v", b, err)
		}
		if _, err := s.Lookup("docker.io/library/busybox:stable"); err != nil {
			t.Error(err)
		}
		entries, _ := os.ReadDir(s.Dir())
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".import") {
				t.Errorf("left behind: %s", e.Name())
			}
		}
	}
}

// ociArchive writes an OCI image layout holding img under the
// annotations, as a tar compressed with how ("" for none).
func ociArchive(t *testing.T, dir, how string, imgs map[string]v1.Image) string {
	t.Helper()
	lp := filepath.Join(dir, "layout")
	p, err := layout.Write(lp, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for ref, img := range imgs {
		var ann map[string]string
		switch {
		case strings.HasPrefix(ref, "containerd="):
			ann = map[string]string{containerdNameAnnotation: strings.TrimPrefix(ref, "containerd="), refNameAnnotation: "1.0"}
		case ref != "":
			ann = map[string]string{refNameAnnotation: ref}
		}
		if err := p.AppendImage(img, layout.WithAnnotations(ann)); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "oci.tar")
	tarDir(t, lp, out)
	if how != "" {
		out = compressFile(t, out, how)
	}
	return out
}

// tarDir writes the tree at dir into the tar file out.
func tarDir(t *testing.T, dir, out string) {
	t.Helper()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, _ := d.Info()
		hdr, _ := tar.FileInfoHeader(fi, "")
		hdr.Name = rel
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestImportOCILayout(t *testing.T) {
	for _, how := range []string{"", "gzip", "zstd"} {
		t.Run("compression="+how, func(t *testing.T) {
			s := openStore(t, Options{})
			a := imageOf(t, v1.Config{Cmd: []string{"a"}}, appLayer(t))
			b := imageOf(t, v1.Config{Cmd: []string{"b"}}, appLayer(t))
			c := imageOf(t, v1.Config{Cmd: []string{"c"}}, appLayer(t))
			p := ociArchive(t, t.TempDir(), how, map[string]v1.Image{
				"localhost:5000/a:1":  a,
				"containerd=team/b:2": b,
				"":                    c, // unnamed: stored by digest
			})
			imgs, err := s.Import(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if len(imgs) != 3 {
				t.Fatalf("imported %d images, want 3", len(imgs))
			}
			for ref, img := range map[string]v1.Image{"localhost:5000/a:1": a, "docker.io/team/b:2": b} {
				got, err := s.Lookup(ref)
				if err != nil {
					t.Fatal(err)
				}
				if d, _ := img.Digest(); got.Digest != d.String() {
					t.Errorf("%s: digest %s, want %s (an OCI layout keeps the manifest)", ref, got.Digest, d)
				}
			}
			dc, _ := c.Digest()
			if got, err := s.Lookup(dc.String()); err != nil || len(got.Names) != 0 {
				t.Errorf("unnamed image: %v, %v", got, err)
			}
		})
	}
}

// TestImportPlatformIndex imports an OCI layout whose named entry is a
// multi-platform index: the store gets this machine's image.
func TestImportPlatformIndex(t *testing.T) {
	s := openStore(t, Options{})
	mine := imageOf(t, v1.Config{Cmd: []string{"mine"}}, appLayer(t))
	other := imageOf(t, v1.Config{Cmd: []string{"other"}}, appLayer(t))
	otherArch := "arm64"
	if goruntime.GOARCH == "arm64" {
		otherArch = "amd64"
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: other, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: otherArch}}},
		mutate.IndexAddendum{Add: mine, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: goruntime.GOARCH}}},
	)
	dir := t.TempDir()
	lp := filepath.Join(dir, "layout")
	p, err := layout.Write(lp, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{refNameAnnotation: "example.com/multi:1"})); err != nil {
		t.Fatal(err)
	}
	tarDir(t, lp, filepath.Join(dir, "oci.tar"))
	if _, err := s.Import(context.Background(), filepath.Join(dir, "oci.tar")); err != nil {
		t.Fatal(err)
	}
	got, err := s.Lookup("example.com/multi:1")
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := mine.Digest(); got.Digest != d.String() {
		t.Errorf("imported %s, want this platform's %s", got.Digest, d)
	}
}

func TestImportRefusesOtherFiles(t *testing.T) {
	s := openStore(t, Options{})
	dir := t.TempDir()
	p := filepath.Join(dir, "x.tar")
	tarDir(t, t.TempDir(), p)
	if _, err := s.Import(context.Background(), p); err == nil || !strings.Contains(err.Error(), "neither a docker save archive") {
		t.Errorf("Import of an empty tar: %v", err)
	}
	os.WriteFile(p, []byte("not a tar"), 0o644)
	if _, err := s.Import(context.Background(), p); err == nil {
		t.Error("Import of garbage succeeded")
	}
}

func TestImportDir(t *testing.T) {
	s := openStore(t, Options{})
	ctx := context.Background()
	dir := s.ImportDir()
	src, _, _ := dockerSave(t, t.TempDir(), true)
	data, _ := os.ReadFile(src)
	os.WriteFile(filepath.Join(dir, "broken.tar"), []byte("garbage"), 0o644)
	os.WriteFile(filepath.Join(dir, "images.tar.gz"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an archive"), 0o644)
	if err := s.importDir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup("registry.example.com/team/backup:1.4"); err != nil {
		t.Fatalf("a broken file stopped the import of the next: %v", err)
	}
	// Each file is imported once: a removed image does not come back...
	if err := s.Remove("registry.example.com/team/backup:1.4"); err != nil {
		t.Fatal(err)
	}
	if err := s.importDir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup("registry.example.com/team/backup:1.4"); !errors.Is(err, ErrNotFound) {
		t.Errorf("imported twice: %v", err)
	}
	// ...until the file changes, also for another Store (a restart).
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "images.tar.gz"), later, later)
	s2, _ := Open(s.Dir(), Options{})
	if err := s2.importDir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Lookup("registry.example.com/team/backup:1.4"); err != nil {
		t.Errorf("a changed file was not imported again: %v", err)
	}
}

// classicSave writes a docker save archive as Docker before 25 did: the
// config as <id>.json, each layer an uncompressed <dir>/layer.tar, and a
// manifest.json. tamper changes the layer after its diffID was taken.
func classicSave(t *testing.T, dir string, tamper bool) (string, v1.Image) {
	t.Helper()
	img := imageOf(t, v1.Config{Cmd: []string{"classic"}}, appLayer(t))
	cfg, _ := img.RawConfigFile()
	id, _ := img.ConfigName()
	l, _ := img.Layers()
	rc, _ := l[0].Uncompressed()
	layerTar, _ := io.ReadAll(rc)
	rc.Close()
	if tamper {
		layerTar = bytes.Replace(layerTar, []byte("echo hi"), []byte("echo XX"), 1)
	}
	manifest := `[{"Config":"` + id.Hex + `.json","RepoTags":["classic:1"],"Layers":["abc/layer.tar"]}]`
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{{"manifest.json", []byte(manifest)}, {id.Hex + ".json", cfg}, {"abc/layer.tar", layerTar}} {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data))})
		tw.Write(f.data)
	}
	tw.Close()
	p := filepath.Join(dir, "classic.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, img
}

func TestImportClassicDockerSave(t *testing.T) {
	s := openStore(t, Options{})
	p, img := classicSave(t, t.TempDir(), false)
	if _, err := s.Import(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	got, err := s.Lookup("classic:1")
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := img.ConfigName(); got.ID != id.String() {
		t.Errorf("ID %s, want the archive's %s", got.ID, id)
	}
	if b, err := got.ReadFile("/app/run.sh"); err != nil || !strings.Contains(string(b), "echo hi") {
		t.Errorf("ReadFile: %q, %v", b, err)
	}

	// A layer that does not match its diffID is refused, and leaves nothing.
	p, _ = classicSave(t, t.TempDir(), true)
	s2 := openStore(t, Options{})
	if _, err := s2.Import(context.Background(), p); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("Import of a tampered layer: %v", err)
	}
	if entries, _ := os.ReadDir(s2.layersDir()); len(entries) != 0 {
		t.Errorf("a refused import left %d entries in layers/", len(entries))
	}
}
