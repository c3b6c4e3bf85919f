package runtime

import (
	"strings"
	"testing"
)

// TestSupplementaryGroupsAndNoNewPrivileges: the process gets exactly its
// group and supplementalGroups, and no_new_privs when asked.
func TestSupplementaryGroupsAndNoNewPrivileges(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "groups", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	uid, gid := int64(1000), int64(1000)
	for _, tc := range []struct {
		noNewPrivs bool
		want       string
	}{{false, "1000 2000 3000 NoNewPrivs: 0"}, {true, "1000 2000 3000 NoNewPrivs: 1"}} {
		var out buffer
		p, err := r.StartContainer(ContainerConfig{
			Sandbox: sb, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &out,
			UID: &uid, GID: &gid, Groups: []int64{2000, 3000}, NoNewPrivileges: tc.noNewPrivs,
			Argv: []string{"sh", "-c", "id -G; grep NoNewPrivs /proc/self/status"},
		})
		if err != nil {
			t.Fatal(err)
		}
		<-p.Done()
		if got := strings.Join(strings.Fields(out.String()), " "); got != tc.want {
			t.Errorf("noNewPrivileges %v: %q, want %q", tc.noNewPrivs, got, tc.want)
		}
	}
}
