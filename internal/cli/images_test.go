package cli

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/ordo-dev/ordo/internal/image"
)

func TestImageRows(t *testing.T) {
	id := "sha256:" + strings.Repeat("0123456789", 6) + "abcd"
	rows := imageRows([]image.Image{
		{ID: id, Names: []string{"docker.io/library/redis:7", "localhost:5000/x:latest"}, Size: 7_234_567},
		{ID: id, RepoDigests: []string{"docker.io/library/busybox@sha256:aa"}, Size: 999},
		{ID: id, Size: 1_500_000_000},
	})
	want := [][]string{
		{"<none>", "<none>", "0123456789012", "1.5GB"},
		{"docker.io/library/busybox", "<none>", "0123456789012", "999B"},
		{"docker.io/library/redis", "7", "0123456789012", "7.23MB"},
		{"localhost:5000/x", "latest", "0123456789012", "7.23MB"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %v", rows)
	}
	for i := range want {
		if strings.Join(rows[i], " ") != strings.Join(want[i], " ") {
			t.Errorf("row %d: %v, want %v", i, rows[i], want[i])
		}
	}
}

// TestImagesCommand imports a docker save archive with `ordo images
// import`, lists, removes and prunes, finding the store through
// ORDO_DATA_DIR as `ordo server` does.
func TestImagesCommand(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the image store sets layer owners: run as root")
	}
	dataDir := t.TempDir()
	t.Setenv("ORDO_DATA_DIR", dataDir)
	archive := filepath.Join(t.TempDir(), "save.tar")
	imgs := map[name.Tag]v1.Image{}
	for _, tag := range []string{"example.com/team/backup:1.4", "busybox:stable"} {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: "hello", Mode: 0o644, Size: int64(len(tag))})
		tw.Write([]byte(tag))
		tw.Close()
		l, err := tarball.LayerFromReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		img, err := mutate.AppendLayers(empty.Image, l)
		if err != nil {
			t.Fatal(err)
		}
		nt, err := name.NewTag(tag)
		if err != nil {
			t.Fatal(err)
		}
		imgs[nt] = img
	}
	if err := tarball.MultiWriteToFile(archive, imgs); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		cmd := newImagesCommand()
		cmd.SetArgs(args)
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.Execute()
		return out.String(), err
	}
	if out, err := run("import", archive); err != nil || !strings.Contains(out, "Imported example.com/team/backup:1.4") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err := run("ls")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "IMAGE ") || !strings.Contains(lines[0], "IMAGE ID") ||
		!strings.HasPrefix(lines[1], "docker.io/library/busybox ") || !strings.Contains(lines[1], " stable ") ||
		!strings.HasPrefix(lines[2], "example.com/team/backup ") {
		t.Errorf("ls:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "images", "index.json")); err != nil {
		t.Errorf("the store is not in $ORDO_DATA_DIR/images: %v", err)
	}
	if out, err := run("rm", "busybox:stable", "nope:1"); err == nil || !strings.Contains(out, "Deleted: busybox:stable") || !strings.Contains(out, "image not found") {
		t.Errorf("rm: %v\n%s", err, out)
	}
	if out, err := run("prune"); err != nil || strings.Count(out, "Deleted: ") != 1 {
		t.Errorf("prune: %v\n%s", err, out)
	}
	if out, _ := run("ls"); strings.Count(out, "\n") != 1 {
		t.Errorf("ls after prune:\n%s", out)
	}
	// --data-dir wins over the environment.
	other := t.TempDir()
	if _, err := run("ls", "--data-dir", other); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(other, "images")); err != nil {
		t.Errorf("--data-dir ignored: %v", err)
	}
}
