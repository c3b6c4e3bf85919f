package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCopiesLandInTheWritableLayer: a copied file is in the container at
// its path, in a directory made for it, and the container may move it
// away; the host's file stays as it was.
func TestCopiesLandInTheWritableLayer(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "copies", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	src := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(src, []byte("PEM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out buffer
	p, err := r.StartContainer(ContainerConfig{
		Sandbox: sb, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &out,
		Copies: []Mount{{Source: src, Target: "/ordo-copy-test/localhost.crt"}},
		Argv:   []string{"sh", "-c", "cat /ordo-copy-test/localhost.crt && mv /ordo-copy-test/localhost.crt /tmp/ && cat /tmp/localhost.crt && ls /ordo-copy-test | wc -l"},
	})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if got := strings.Fields(out.String()); strings.Join(got, " ") != "PEM PEM 0" {
		t.Errorf("container printed %q", out.String())
	}
	if data, err := os.ReadFile(src); err != nil || string(data) != "PEM\n" {
		t.Errorf("host file after the move: %q %v", data, err)
	}
	if _, err := os.Stat("/ordo-copy-test"); err == nil {
		t.Error("the copy reached the host's root")
	}
}
