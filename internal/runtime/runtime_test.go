package runtime

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// These tests need root (namespaces) and the built ordo binary, whose hidden
// internal-* commands are the sandbox and container processes.
func testRuntime(t *testing.T) *Runtime {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for namespaces")
	}
	bin, err := testcluster.Binary()
	if err != nil {
		t.Fatal(err)
	}
	return &Runtime{Binary: bin}
}

type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.b.Write(p) }
func (b *buffer) String() string              { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

func run(t *testing.T, r *Runtime, sb *Sandbox, argv ...string) (string, Exit) {
	t.Helper()
	var out buffer
	p, err := r.StartContainer(ContainerConfig{Sandbox: sb, Argv: argv, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	case <-time.After(20 * time.Second):
		p.Signal(syscall.SIGKILL)
		t.Fatal("container did not exit")
	}
	return out.String(), p.Exit()
}

func TestContainersShareTheSandboxHostnameAndHaveTheirOwnPIDsAndTmp(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "redis-0"})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	host, _ := os.Hostname()
	out, exit := run(t, r, sb, "sh", "-c", "hostname; echo pid=$$; touch /tmp/mine; ls /tmp")
	if exit.Code != 0 {
		t.Fatalf("exit %d: %s", exit.Code, out)
	}
	lines := strings.Fields(out)
	if lines[0] != "redis-0" || host == "redis-0" {
		t.Errorf("hostname in pod = %q (host %q)", lines[0], host)
	}
	if lines[1] != "pid=1" {
		t.Errorf("container shell is %s, want pid 1 of its own PID namespace", lines[1])
	}
	if len(lines) != 3 || lines[2] != "mine" {
		t.Errorf("/tmp is not private: %v", lines[2:])
	}
	if _, err := os.Stat(filepath.Join("/tmp", "mine")); err == nil {
		t.Error("the container's /tmp file appeared on the host")
	}
}

func TestExitCodesSignalsAndStartErrors(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "job-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	if _, exit := run(t, r, sb, "sh", "-c", "exit 3"); exit.Code != 3 {
		t.Errorf("exit code %d, want 3", exit.Code)
	}
	p, err := r.StartContainer(ContainerConfig{Sandbox: sb, Argv: []string{"sleep", "60"}, Env: []string{"PATH=/usr/bin:/bin"}})
	if err != nil {
		t.Fatal(err)
	}
	p.Signal(syscall.SIGKILL)
	<-p.Done()
	if p.Exit().Code != 137 {
		t.Errorf("SIGKILLed container exit %d, want 137", p.Exit().Code)
	}
	_, err = r.StartContainer(ContainerConfig{Sandbox: sb, Argv: []string{"no-such-binary"}, Env: []string{"PATH=/usr/bin:/bin"}})
	var se *StartError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, `"no-such-binary": executable file not found in $PATH`) {
		t.Errorf("missing binary: %v", err)
	}
	_, err = r.StartContainer(ContainerConfig{Sandbox: sb, Argv: []string{"true"}, WorkingDir: "/no/such/dir", Env: []string{"PATH=/usr/bin:/bin"}})
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "working directory") {
		t.Errorf("bad workdir: %v", err)
	}
	if out, err := exec.Command("hostname").Output(); err != nil || strings.TrimSpace(string(out)) == "job-1" {
		t.Errorf("the host's hostname changed: %s %v", out, err)
	}
}

func TestRootIsTheHostsButWritesStayInTheContainerAndVolumesMount(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "vol", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	vol, err := os.MkdirTemp("/var/tmp", "ordo-vol-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(vol)
	os.WriteFile(filepath.Join(vol, "redis.conf"), []byte("appendonly yes\n"), 0o644)
	hosts := filepath.Join(vol, "hosts")
	os.WriteFile(hosts, []byte("10.42.0.9\tvol\n"), 0o644)
	marker := "/etc/ordo-test-" + filepath.Base(vol)
	var out buffer
	p, err := r.StartContainer(ContainerConfig{
		Sandbox: sb, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &out,
		Argv: []string{"sh", "-c", "cat /var/lib/redis/redis.conf; echo x > " + marker + " && cat " + marker +
			"; echo y > /conf/redis.conf || echo read-only; cat /etc/hosts; echo z > /var/lib/redis/new && echo wrote-volume"},
		Mounts: []Mount{
			{Source: vol, Target: "/var/lib/redis"},
			{Source: vol, Target: "/conf", ReadOnly: true},
			{Source: hosts, Target: "/etc/hosts"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	got := out.String()
	for _, want := range []string{"appendonly yes", "x\n", "read-only", "10.42.0.9\tvol", "wrote-volume"} {
		if !strings.Contains(got, want) {
			t.Errorf("container output lacks %q:\n%s", want, got)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		os.Remove(marker)
		t.Fatal("a write to /etc in the container reached the host")
	}
	if _, err := os.Stat(filepath.Join(vol, "new")); err != nil {
		t.Fatal("a write to a read-write volume did not reach its source")
	}
	if _, err := os.Stat("/var/lib/redis/redis.conf"); err == nil {
		t.Fatal("the volume's mount point leaked onto the host")
	}
}

func TestMemoryLimitOOMKills(t *testing.T) {
	r := testRuntime(t)
	cg, err := DetectCgroups("ordo-test")
	if err != nil {
		t.Skipf("no cgroups: %v", err)
	}
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "hog", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	id := "hog-" + strconv.Itoa(os.Getpid())
	dirs, err := cg.Create(id, Limits{MemoryBytes: 32 << 20, CPUMillis: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer cg.RemoveParent()
	p, err := r.StartContainer(ContainerConfig{
		Sandbox: sb, Env: []string{"PATH=/usr/bin:/bin"}, Cgroups: dirs,
		Argv: []string{"/usr/bin/python3", "-c", "a = bytearray(256 << 20); print(len(a))"},
	})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if p.Exit().Code != 137 || !cg.OOMKilled(id) {
		t.Fatalf("exit %d, oomKilled %v: want 137 and true", p.Exit().Code, cg.OOMKilled(id))
	}
}

func TestOnlyStandardDescriptorsReachTheContainer(t *testing.T) {
	r := testRuntime(t)
	// A descriptor the agent holds without close-on-exec, as inherited ones are.
	leak, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer leak.Close()
	syscall.Syscall(syscall.SYS_FCNTL, leak.Fd(), syscall.F_SETFD, 0)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "fds", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	out, exit := run(t, r, sb, "sh", "-c", "ls /proc/self/fd")
	// ls itself opens one descriptor for the directory it lists.
	if exit.Code != 0 || strings.Join(strings.Fields(out), " ") != "0 1 2 3" {
		t.Fatalf("descriptors in the container: %q", out)
	}
}
