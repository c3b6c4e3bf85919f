package runtime

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestContainerHasItsOwnDev: the standard devices work, /dev/fd links and a
// private /dev/shm exist, nothing else of the host's /dev is there, and
// what a root container writes into /dev stays in the container instead of
// landing in the host's /dev.
func TestContainerHasItsOwnDev(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "dev", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	name := "ordo-test-dev-" + filepath.Base(t.TempDir())
	defer os.Remove("/dev/" + name)
	var out buffer
	p, err := r.StartContainer(ContainerConfig{
		Sandbox: sb, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &out,
		Argv: []string{"sh", "-c", "echo gone > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c && " +
			"echo written > /dev/" + name + " && cat /dev/" + name + " && readlink /dev/fd && echo --- && ls /dev"},
	})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	head, listing, _ := strings.Cut(out.String(), "---")
	if got := strings.Join(strings.Fields(head), " "); got != "4 4 written /proc/self/fd" {
		t.Fatalf("container output %q", out.String())
	}
	want := strings.Fields("fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " + name)
	slices.Sort(want)
	if got := strings.Fields(listing); !slices.Equal(got, want) {
		t.Errorf("the container's /dev holds %q, want %q", got, want)
	}
	if _, err := os.Stat("/dev/" + name); err == nil {
		t.Error("a container's write into /dev reached the host's /dev")
	}
}
