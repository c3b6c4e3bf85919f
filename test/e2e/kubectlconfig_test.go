package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// TestOrdoKubectlFindsItsServer: `ordo kubectl` for a server on another
// data directory. With no kubeconfig anywhere it says where it looked
// and how to point at one, instead of kubectl's localhost:8080 error;
// --data-dir and ORDO_DATA_DIR find the server; commands that need no
// server, and --server, behave as in kubectl.
func TestOrdoKubectlFindsItsServer(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	empty := t.TempDir()
	run := func(env []string, args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(c.Bin, append([]string{"kubectl"}, args...)...)
		cmd.Env = append(envWithout("KUBECONFIG", "HOME", "ORDO_DATA_DIR", "KUBERNETES_MASTER", "KUBERNETES_SERVICE_HOST"),
			append([]string{"HOME=" + empty}, env...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
	}
	elsewhere := "ORDO_DATA_DIR=" + filepath.Join(empty, "elsewhere")

	_, stderr, code := run([]string{elsewhere}, "get", "namespaces")
	if code != 1 {
		t.Errorf("with no kubeconfig: exit %d", code)
	}
	for _, want := range []string{"no kubeconfig found", "$KUBECONFIG (not set)",
		filepath.Join(empty, "elsewhere", "kubeconfig.yaml") + " (the data directory from ORDO_DATA_DIR)",
		filepath.Join(empty, ".kube", "config"), "ordo kubectl --data-dir DIR", "ORDO_DATA_DIR=DIR"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("with no kubeconfig, stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "was refused") || strings.Count(stderr, "no kubeconfig found") != 1 {
		t.Errorf("with no kubeconfig, kubectl's own connection errors show:\n%s", stderr)
	}

	for name, args := range map[string][]string{
		"--data-dir DIR": {"--data-dir", c.DataDir, "get", "namespaces"},
		"--data-dir=DIR": {"get", "namespaces", "--data-dir=" + c.DataDir},
	} {
		if stdout, stderr, code := run([]string{elsewhere}, args...); code != 0 || !strings.Contains(stdout, "kube-system") {
			t.Errorf("%s: exit %d\n%s%s", name, code, stdout, stderr)
		}
	}
	if stdout, stderr, code := run([]string{"ORDO_DATA_DIR=" + c.DataDir}, "get", "namespaces"); code != 0 || !strings.Contains(stdout, "kube-system") {
		t.Errorf("ORDO_DATA_DIR: exit %d\n%s%s", code, stdout, stderr)
	}
	_, stderr, code = run(nil, "--data-dir", empty, "get", "namespaces")
	if want := "--data-dir " + empty + " has no kubeconfig.yaml"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("--data-dir without a server: exit %d, want 1 and %q:\n%s", code, want, stderr)
	}

	// What needs no server still works without one, and --server is
	// kubectl's.
	if stdout, stderr, code := run([]string{elsewhere}, "create", "deployment", "web", "--image=nginx", "--dry-run=client", "-o", "yaml"); code != 0 || !strings.Contains(stdout, "kind: Deployment") {
		t.Errorf("create --dry-run=client without a server: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, stderr, code := run([]string{elsewhere}, "--server", "http://127.0.0.1:1", "get", "namespaces"); code == 0 || strings.Contains(stderr, "no kubeconfig found") || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Errorf("--server: exit %d, want kubectl's own error:\n%s", code, stderr)
	}
}

// envWithout is the test's environment without the named variables.
func envWithout(names ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}
