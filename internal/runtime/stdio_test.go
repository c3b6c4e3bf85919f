package runtime

import (
	"strings"
	"testing"
)

// TestNonRootReopensStdio: a container running as another user may open
// /dev/stdout and /dev/stderr by name (nginx's access_log and error_log
// do), as under runc, which gives the stdio pipes to the user.
func TestNonRootReopensStdio(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "stdio", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	uid, gid := int64(1000), int64(1000)
	var out, errOut buffer
	p, err := r.StartContainer(ContainerConfig{
		Sandbox: sb, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &errOut, UID: &uid, GID: &gid,
		Argv: []string{"sh", "-c", "echo to-stdout >/dev/stdout && echo to-stderr >/dev/stderr"},
	})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if got := strings.TrimSpace(out.String()); got != "to-stdout" {
		t.Errorf("stdout %q (stderr %q)", got, errOut.String())
	}
	if got := strings.TrimSpace(errOut.String()); got != "to-stderr" {
		t.Errorf("stderr %q", got)
	}
}
