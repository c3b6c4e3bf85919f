package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestHiddenDirectoryAndVolumesFromInsideIt hides an agent-like data
// directory: the container cannot read its keys, its tmpfs volume is not
// bound into the container as a host mount, yet that volume still mounts
// where the pod asks for it.
func TestHiddenDirectoryAndVolumesFromInsideIt(t *testing.T) {
	r := testRuntime(t)
	data, err := os.MkdirTemp("/var/tmp", "ordo-data-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(data)
	vol := filepath.Join(data, "pods", "p", "volumes", "secret")
	os.MkdirAll(vol, 0o755)
	if err := syscall.Mount("tmpfs", vol, "tmpfs", 0, "size=64k"); err != nil {
		t.Fatal(err)
	}
	defer syscall.Unmount(vol, syscall.MNT_DETACH)
	os.WriteFile(filepath.Join(data, "ca.key"), []byte("KEY"), 0o600)
	os.WriteFile(filepath.Join(vol, "password"), []byte("hunter2"), 0o600)
	r.Hide = []string{data}
	got := runIn(t, r, []Mount{{Source: vol, Target: "/etc/creds", ReadOnly: true}}, nil,
		"cat "+data+"/ca.key 2>/dev/null || echo key-hidden; cat /etc/creds/password; echo; cat /proc/mounts")
	if !strings.Contains(got, "key-hidden") || !strings.Contains(got, "hunter2") {
		t.Errorf("want the key hidden and the volume mounted:\n%s", got)
	}
	if strings.Contains(got, " "+vol+" ") {
		t.Errorf("the hidden directory's tmpfs was bound into the container:\n%s", got)
	}
}

// TestVolumeTargetThroughAnAbsoluteSymlink mounts under /var/run, a link to
// /run on most hosts: the volume must appear in the container's /run, and
// nothing may be created in the host's.
func TestVolumeTargetThroughAnAbsoluteSymlink(t *testing.T) {
	if target, err := os.Readlink("/var/run"); err != nil || target != "/run" {
		t.Skip("/var/run is not a link to /run here")
	}
	r := testRuntime(t)
	vol := t.TempDir()
	os.WriteFile(filepath.Join(vol, "token"), []byte("jwt"), 0o644)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "link", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	name := "ordo-test-" + filepath.Base(vol)
	defer os.RemoveAll("/run/" + name)
	var out buffer
	p, err := r.StartContainer(ContainerConfig{
		Sandbox: sb, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &out,
		Argv:   []string{"cat", "/var/run/" + name + "/sa/token"},
		Mounts: []Mount{{Source: vol, Target: "/var/run/" + name + "/sa", ReadOnly: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if got := out.String(); got != "jwt" {
		t.Errorf("token through /var/run: %q", got)
	}
	if _, err := os.Stat("/run/" + name); err == nil {
		t.Error("the mount point was created in the host's /run")
	}
}
