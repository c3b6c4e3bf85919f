package runtime

import (
	"strings"
	"testing"
)

// readOnlyRootFilesystem: writes to the root and to /tmp fail with EROFS;
// a volume mounted read-write stays writable.
func TestReadOnlyRoot(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "ro", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	vol := t.TempDir()
	var out buffer
	p, err := r.StartContainer(ContainerConfig{Sandbox: sb, ReadOnlyRoot: true, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &out,
		Mounts: []Mount{{Source: vol, Target: "/data"}},
		Argv:   []string{"sh", "-c", "echo x > /file || echo root-refused; echo x > /tmp/f || echo tmp-refused; echo x > /data/f && echo volume-written"}})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	for _, want := range []string{"Read-only file system", "root-refused", "tmp-refused", "volume-written"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q lacks %q", out.String(), want)
		}
	}
}
