package runtime

import (
	"fmt"
	"strings"
	"testing"
)

// TestCapabilitiesAreLimited: a process started with a capability mask
// has exactly it as its effective, permitted and bounding sets when root
// (no inheritable ones, as with runc since CVE-2022-29162), and none
// effective as another user; without a mask it keeps the agent's.
func TestCapabilitiesAreLimited(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "caps", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	keep := uint64(1<<0 | 1<<10 | 1<<13) // CHOWN, NET_BIND_SERVICE, NET_RAW
	nobody := int64(65534)
	masked := fmt.Sprintf("%016x", keep)
	for _, tc := range []struct {
		name string
		caps *uint64
		uid  *int64
		want func(fields map[string]string) bool
	}{
		{"root with a mask", &keep, nil, func(f map[string]string) bool {
			return f["CapEff"] == masked && f["CapPrm"] == masked && f["CapInh"] == "0000000000000000" && f["CapBnd"] == masked
		}},
		{"nobody with a mask", &keep, &nobody, func(f map[string]string) bool {
			return f["CapEff"] == "0000000000000000" && f["CapBnd"] == masked
		}},
		{"root without a mask", nil, nil, func(f map[string]string) bool {
			return f["CapEff"] != masked && strings.Count(f["CapBnd"], "f") >= 9
		}},
	} {
		var out buffer
		p, err := r.StartContainer(ContainerConfig{
			Sandbox: sb, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &out,
			UID: tc.uid, Capabilities: tc.caps, Argv: []string{"grep", "^Cap", "/proc/self/status"},
		})
		if err != nil {
			t.Fatal(err)
		}
		<-p.Done()
		fields := map[string]string{}
		for _, line := range strings.Split(out.String(), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				fields[k] = strings.TrimSpace(v)
			}
		}
		if !tc.want(fields) {
			t.Errorf("%s: %v", tc.name, fields)
		}
	}
}
