package runtime

import (
	"context"
	"strings"
	"testing"
)

// TestEnterCommandTakesTheCredentials: a command entering a container
// runs in its namespaces (its hostname) as the given user, with exactly
// the given groups, capabilities and no_new_privs, and without the ordo
// binary's descriptor.
func TestEnterCommandTakesTheCredentials(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "entered", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	p, err := r.StartContainer(ContainerConfig{Sandbox: sb, Env: []string{"PATH=/usr/bin:/bin"}, Argv: []string{"sleep", "600"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { p.Signal(9); <-p.Done() }()
	uid, gid, none := int64(1000), int64(3000), uint64(0)
	cmd, err := r.EnterCommand(context.Background(), p.PID(), Credentials{UID: &uid, GID: &gid, Groups: []int64{4000}, NoNewPrivileges: true, Capabilities: &none},
		[]string{"sh", "-c", `echo "$(hostname) $(id -u) $(id -G)"; grep -E "^(CapBnd|NoNewPrivs):" /proc/self/status; if test -e /proc/self/fd/3; then echo leaked fd 3; fi`})
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got, want := strings.Join(strings.Fields(string(out)), " "), "entered 1000 3000 4000 CapBnd: 0000000000000000 NoNewPrivs: 1"; got != want {
		t.Errorf("entered command printed %q, want %q", got, want)
	}
}
