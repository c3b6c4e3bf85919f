package runtime

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
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

// TestEnterImageRoot: a command exec'd in a container whose root is an
// image holding only a static busybox (no host loader, libc or ordo)
// runs there as the given user, in the container's cgroup, reads its
// stdin, and its exit code (128+signal for a signal) comes back.
func TestEnterImageRoot(t *testing.T) {
	r := testRuntime(t)
	cg, err := DetectCgroups("ordo-test-enter")
	if err != nil {
		t.Skip("no cgroups:", err)
	}
	defer cg.RemoveParent()
	dirs, err := cg.Create("c0", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Remove("c0")
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "entered-image", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	base := busyboxLayer(t, filepath.Join(t.TempDir(), "base"), "sleep", "id", "cat", "hostname")
	writeFiles(t, base, map[string]string{"etc/motd": "from the image\n"})
	uid := int64(1000)
	p, err := r.StartContainer(ContainerConfig{Sandbox: sb, Layers: []string{base}, UID: &uid, Cgroups: dirs,
		Env: []string{"PATH=/bin"}, Argv: []string{"sleep", "600"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { p.Signal(9); <-p.Done() }()
	enter := func(stdin string, script string) (string, int) {
		t.Helper()
		gid := int64(3000)
		cmd, err := r.EnterCommand(context.Background(), p.PID(), Credentials{UID: &uid, GID: &gid}, []string{"sh", "-c", script})
		if err != nil {
			t.Fatal(err)
		}
		cmd.Env = []string{"PATH=/bin"}
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("%v: %s", err, out)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}
	out, code := enter("from stdin\n", `echo "$(hostname) $(id -u) $(id -g)"; busybox cat /etc/motd; cat; cat /proc/self/cgroup; exit 7`)
	want := "entered-image 1000 3000\nfrom the image\nfrom stdin\n"
	if code != 7 || !strings.HasPrefix(out, want) || !strings.Contains(out, "/ordo-test-enter/c0\n") {
		t.Errorf("entered command printed %q (exit %d), want %q, the container's cgroup and exit 7", out, code, want)
	}
	if out, code := enter("", "kill -TERM $$"); code != 143 {
		t.Errorf("a command killed by SIGTERM exited %d (%q), want 143", code, out)
	}
	if out, code := enter("", "exec no-such-command"); code == 0 {
		t.Errorf("a missing command exited 0 (%q)", out)
	}
}

// TestEnterOnATerminal: given a terminal as stdin, the entered command
// leads a session of its own with that terminal as its controlling one
// (so a shell can run job control, as with a runtime's exec -t), on an
// image root with no setsid of the host's.
func TestEnterOnATerminal(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "entered-tty", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	base := busyboxLayer(t, filepath.Join(t.TempDir(), "base"), "sleep", "cut")
	p, err := r.StartContainer(ContainerConfig{Sandbox: sb, Layers: []string{base}, Env: []string{"PATH=/bin"}, Argv: []string{"sleep", "600"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { p.Signal(9); <-p.Done() }()
	term, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	uid := int64(1000)
	cmd, err := r.EnterCommand(context.Background(), p.PID(), Credentials{UID: &uid},
		[]string{"sh", "-c", `set -- $(cut -d" " -f1,6,7 /proc/$$/stat); test -t 0 && echo "leader=$(test $1 = $2 && echo yes) tty=$3"`})
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = []string{"PATH=/bin"}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var out bytes.Buffer
	_, _ = io.Copy(&out, term) // ends with EIO once the terminal's last user is gone
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	got := strings.TrimSpace(out.String())
	if !strings.HasPrefix(got, "leader=yes tty=") || strings.HasSuffix(got, "tty=0") {
		t.Errorf("entered command on a terminal printed %q, want a session leader with a controlling terminal", got)
	}
}
