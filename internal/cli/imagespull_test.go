package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordo-dev/ordo/internal/image/imagetest"
)

// TestImagesPull pulls from a private registry with --creds, and through
// a docker.io mirror in <data-dir>/registries.yaml, into the store.
func TestImagesPull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("unpacking layers (owners, whiteouts) needs root")
	}
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{Username: "robot", Password: "pw"})
	reg.MustPush(t, "library/perl:latest", imagetest.Must(imagetest.Busybox()))
	dataDir := t.TempDir()
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		cmd := newImagesCommand()
		cmd.SetArgs(append(args, "--data-dir", dataDir))
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.Execute()
		return out.String(), err
	}
	if out, err := run("pull", reg.Ref("library/perl:latest")); err == nil {
		t.Fatalf("a pull without credentials succeeded:\n%s", out)
	}
	if out, err := run("pull", reg.Ref("library/perl:latest"), "--creds", "robot:pw"); err != nil || !strings.Contains(out, "Image is up to date for sha256:") {
		t.Fatalf("pull --creds: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "registries.yaml"), []byte(reg.MirrorYAML("docker.io")), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run("pull", "perl"); err != nil {
		t.Fatalf("pull perl through the docker.io mirror: %v\n%s", err, out)
	}
	if out, _ := run("ls"); !strings.Contains(out, "docker.io/library/perl") {
		t.Errorf("ls after the pulls:\n%s", out)
	}
	if _, err := run("pull", "x", "--creds", "nocolon"); err == nil || !strings.Contains(err.Error(), "USERNAME:PASSWORD") {
		t.Errorf("bad --creds: %v", err)
	}
}
