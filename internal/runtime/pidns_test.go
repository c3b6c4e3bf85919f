package runtime

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSandboxFlags(t *testing.T) {
	for _, tc := range []struct {
		c    SandboxConfig
		want uintptr
	}{
		{SandboxConfig{}, syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNET},
		{SandboxConfig{PID: PIDPod}, syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNET | syscall.CLONE_NEWPID},
		{SandboxConfig{PID: PIDHost, HostIPC: true, HostNetwork: true}, syscall.CLONE_NEWUTS},
	} {
		if got := sandboxFlags(tc.c); got != tc.want {
			t.Errorf("%+v: flags %#x, want %#x", tc.c, got, tc.want)
		}
	}
	if cloneFlags(PIDPerContainer)&syscall.CLONE_NEWPID == 0 || cloneFlags(PIDPod)&syscall.CLONE_NEWPID != 0 {
		t.Error("only a container with a PID namespace of its own creates one")
	}
}

// In a pod-wide PID namespace the sandbox is PID 1, containers see each
// other, orphans are reaped, and the agent's own PID namespace is untouched.
func TestSharedPIDNamespace(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "shared", HostNetwork: true, PID: PIDPod})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	sleeper, err := r.StartContainer(ContainerConfig{Sandbox: sb, Argv: []string{"sleep", "60"}, Env: []string{"PATH=/usr/bin:/bin"}})
	if err != nil {
		t.Fatal(err)
	}
	defer sleeper.Signal(syscall.SIGKILL)
	// The background sleep is orphaned when sh exits: PID 1 must reap it.
	out, exit := run(t, r, sb, "sh", "-c", `tr '\0' ' ' < /proc/1/cmdline; echo; echo pid=$$;
		for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' < $f; echo; done | grep -c '^sleep 60 $'`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if exit.Code != 0 || len(lines) != 3 {
		t.Fatalf("exit %d: %q", exit.Code, out)
	}
	if !strings.Contains(lines[0], "internal-sandbox") {
		t.Errorf("PID 1 is %q, want the sandbox", lines[0])
	}
	if lines[1] == "pid=1" {
		t.Error("the container's command is PID 1 of a shared namespace")
	}
	if lines[2] != "1" {
		t.Errorf("saw the sibling's sleep %s times, want 1", lines[2])
	}
	if self, _ := os.Readlink("/proc/self/ns/pid"); self == nsOf(t, sleeper.PID()) {
		t.Error("the container runs in the agent's PID namespace")
	}
	if nsOf(t, sleeper.PID()) != nsOf(t, sb.PID()) {
		t.Error("the container is not in the sandbox's PID namespace")
	}
	own := mustReadlink(t, "/proc/self/ns/pid")
	threads, _ := filepath.Glob("/proc/self/task/*/ns/pid_for_children")
	for _, path := range threads {
		if ns, err := os.Readlink(path); err == nil && ns != own {
			t.Errorf("%s is %s: a thread of the agent still starts children in the pod's namespace", path, ns)
		}
	}
}

func TestOrphansAreReapedByTheSandboxAndLeftoversKilled(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "reaper", HostNetwork: true, PID: PIDPod})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	// The inner sh exits at once, orphaning its sleep to PID 1 of the pod;
	// the sleep leaves the container's process group, so only the sandbox
	// or the pod's end can take it.
	devnull, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	defer devnull.Close()
	p, err := r.StartContainer(ContainerConfig{Sandbox: sb, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: devnull, Stderr: devnull,
		Argv: []string{"sh", "-c", "sh -c 'setsid sleep 0.2 & sleep 60 &'; sleep 1"}})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	deadline := time.Now().Add(5 * time.Second)
	for {
		children := childrenOf(t, sb.PID())
		zombies, sleeps := 0, 0
		for _, state := range children {
			if state == "Z" {
				zombies++
			} else {
				sleeps++
			}
		}
		// The group's sleep 60 died with the container; the setsid one
		// exited and was reaped.
		if zombies == 0 && sleeps == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sandbox children left: %v", children)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestHostPIDNamespace(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "hostpid", HostNetwork: true, PID: PIDHost})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	out, exit := run(t, r, sb, "sh", "-c", "test -d /proc/"+strconv.Itoa(os.Getpid())+" && echo sees-agent; echo pid=$$")
	if exit.Code != 0 || !strings.Contains(out, "sees-agent") || strings.Contains(out, "pid=1\n") {
		t.Fatalf("exit %d: %q: want the host's processes visible", exit.Code, out)
	}
}

func nsOf(t *testing.T, pid int) string {
	t.Helper()
	return mustReadlink(t, "/proc/"+strconv.Itoa(pid)+"/ns/pid")
}

func mustReadlink(t *testing.T, path string) string {
	t.Helper()
	s, err := os.Readlink(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// childrenOf maps the children of pid (host PIDs) to their state letter.
func childrenOf(t *testing.T, pid int) map[string]string {
	t.Helper()
	out := map[string]string{}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
	if err != nil {
		t.Fatal(err)
	}
	for _, child := range strings.Fields(string(data)) {
		stat, err := os.ReadFile("/proc/" + child + "/stat")
		if err != nil {
			continue
		}
		s := string(stat)
		if i := strings.LastIndex(s, ")"); i > 0 && len(s) > i+2 {
			out[child] = s[i+2 : i+3]
		}
	}
	return out
}

func TestHostIPCNamespaceAndShm(t *testing.T) {
	r := testRuntime(t)
	shm, err := os.CreateTemp("/dev/shm", "ordo-test-")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	shm.Close()
	defer os.Remove(shm.Name())
	script := "readlink /proc/self/ns/ipc; test -e " + shm.Name() + " && echo host-shm || echo own-shm"
	for _, hostIPC := range []bool{true, false} {
		sb, err := r.StartSandbox(SandboxConfig{Hostname: "ipc", HostNetwork: true, HostIPC: hostIPC})
		if err != nil {
			t.Fatal(err)
		}
		out, exit := run(t, r, sb, "sh", "-c", script)
		sb.Stop()
		lines := strings.Fields(out)
		if exit.Code != 0 || len(lines) != 2 {
			t.Fatalf("hostIPC %v: exit %d: %q", hostIPC, exit.Code, out)
		}
		host := mustReadlink(t, "/proc/self/ns/ipc")
		if (lines[0] == host) != hostIPC || (lines[1] == "host-shm") != hostIPC {
			t.Errorf("hostIPC %v: container sees ipc %s (host %s) and %s", hostIPC, lines[0], host, lines[1])
		}
	}
}

// A container that targets another (an ephemeral container's
// targetContainerName) runs in that one's PID namespace, whose PID 1 is
// the target's command; a target that has exited is refused.
func TestContainerJoinsItsTargetsPIDNamespace(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "target", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	target, err := r.StartContainer(ContainerConfig{Sandbox: sb, Argv: []string{"sleep", "61"}, Env: []string{"PATH=/usr/bin:/bin"}})
	if err != nil {
		t.Fatal(err)
	}
	var out buffer
	p, err := r.StartContainer(ContainerConfig{Sandbox: sb, Target: target, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &out,
		Argv: []string{"sh", "-c", `tr '\0' ' ' < /proc/1/cmdline; echo; echo pid=$$`}})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 2 || lines[0] != "sleep 61 " || lines[1] == "pid=1" {
		t.Errorf("the targeting container saw %q, want the target's sleep as PID 1", out.String())
	}
	target.Signal(syscall.SIGKILL)
	<-target.Done()
	_, err = r.StartContainer(ContainerConfig{Sandbox: sb, Target: target, Argv: []string{"true"}, Env: []string{"PATH=/usr/bin:/bin"}})
	if se := (*StartError)(nil); !errors.As(err, &se) {
		t.Errorf("a start targeting an exited container: %v", err)
	}
}
