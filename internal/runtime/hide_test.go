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

// TestHiddenFilesDirectoriesAndTheHostsRun: a hidden file reads empty and
// takes writes of the container's own (a log), a hidden directory is
// empty yet writable and takes a volume mounted inside
// it, and the container's /run has the host's directories but none of its
// files.
func TestHiddenFilesDirectoriesAndTheHostsRun(t *testing.T) {
	r := testRuntime(t)
	dir, err := os.MkdirTemp("/var/tmp", "ordo-secrets-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "shadow"), []byte("root:hash"), 0o640)
	os.MkdirAll(filepath.Join(dir, "home", "alice"), 0o700)
	os.WriteFile(filepath.Join(dir, "home", "alice", "notes"), []byte("private"), 0o600)
	vol := t.TempDir()
	os.WriteFile(filepath.Join(vol, "f"), []byte("volume"), 0o644)
	run := filepath.Join("/run", filepath.Base(dir))
	os.WriteFile(run+".sock", []byte("host"), 0o644)
	defer os.Remove(run + ".sock")
	os.Mkdir(run, 0o750)
	defer os.Remove(run)
	r.Hide = []string{filepath.Join(dir, "shadow"), filepath.Join(dir, "home")}
	got := runIn(t, r, []Mount{{Source: vol, Target: dir + "/home/alice/vol"}}, nil, strings.NewReplacer("DIR", dir, "RUN", run).Replace(`
echo "shadow=[$(cat DIR/shadow)] $(stat -c %a DIR/shadow)"
echo "home=[$(ls DIR/home/alice)] [$(cat DIR/home/alice/notes 2>/dev/null)]"
echo "volume=[$(cat DIR/home/alice/vol/f)]"
touch DIR/home/new && echo writable
echo log >> DIR/shadow && echo "file=[$(cat DIR/shadow)]"
echo "run=[$(cat RUN.sock 2>/dev/null)] $(stat -c %a RUN)"
`))
	for _, want := range []string{"shadow=[] 640\n", "home=[vol] []\n", "volume=[volume]\n", "writable\n", "file=[log]\n", "run=[] 750\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q in:\n%s", want, got)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "home", "new")); err == nil {
		t.Error("a write to a hidden directory reached the host")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "shadow")); string(b) != "root:hash" {
		t.Errorf("a write to a hidden file reached the host: %q", b)
	}
}
