package volume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTmpfsMountIsIdempotentAndRemovedWithThePodDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	pod := filepath.Join(t.TempDir(), "pods", "ns_p_uid")
	dir := filepath.Join(pod, "volumes", "secret")
	t.Cleanup(func() { _ = UnmountUnder(pod) })
	for i := 0; i < 2; i++ {
		if err := ensureTmpfs(tmpfsConfig{dir: dir, mode: apiDataTmpfsMode, size: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	mounts, err := mountsUnder(pod)
	if err != nil || len(mounts) != 1 || mounts[0].point != dir || mounts[0].fstype != "tmpfs" {
		t.Fatalf("mounts under the pod dir: %v %v", mounts, err)
	}
	opts := mountOptions(t, dir)
	for _, want := range []string{"nosuid", "nodev", "size=1024k", "mode=755"} {
		if !strings.Contains(opts, want) {
			t.Errorf("mount options %q lack %s", opts, want)
		}
	}
	if err := RemovePodDir(pod); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pod); !os.IsNotExist(err) {
		t.Errorf("pod dir still there: %v", err)
	}
	if left, _ := mountsUnder(pod); len(left) > 0 {
		t.Errorf("mounts left: %v", left)
	}
}

// mountOptions is the /proc/mounts options field of the mount at dir.
func mountOptions(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile("/proc/mounts")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 3 && f[1] == dir {
			return f[3]
		}
	}
	return ""
}

// TestTmpfsUnderATmpfsIsMountedItsOwn: a volume directory whose parent is
// itself a tmpfs (a data directory on /tmp, say) is not taken for a mount.
func TestTmpfsUnderATmpfsIsMountedItsOwn(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	outer := filepath.Join(t.TempDir(), "outer")
	inner := filepath.Join(outer, "volumes", "token")
	t.Cleanup(func() { _ = UnmountUnder(outer) })
	if err := ensureTmpfs(tmpfsConfig{dir: outer, mode: 0o755}); err != nil {
		t.Fatal(err)
	}
	if err := ensureTmpfs(tmpfsConfig{dir: inner, mode: apiDataTmpfsMode, size: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	mounts, err := mountsUnder(inner)
	if err != nil || len(mounts) != 1 || mounts[0].point != inner {
		t.Fatalf("mounts at the inner dir: %v %v", mounts, err)
	}
}

// TestPodDirWithEscapedNameIsUnmountedAndRemoved: mountinfo escapes spaces
// and backslashes in mount points; the search that skips other pods' lines
// looks for the escaped form, so such a pod's mounts are still found.
func TestPodDirWithEscapedNameIsUnmountedAndRemoved(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	pod := filepath.Join(t.TempDir(), `a b\c`, "ns_p_uid")
	dir := filepath.Join(pod, "volumes", "token")
	t.Cleanup(func() { _ = UnmountUnder(pod) })
	if err := ensureTmpfs(tmpfsConfig{dir: dir, mode: apiDataTmpfsMode, size: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	if mounts, err := mountsUnder(pod); err != nil || len(mounts) != 1 || mounts[0].point != dir {
		t.Fatalf("mounts under %q: %v %v", pod, mounts, err)
	}
	if err := RemovePodDir(pod); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pod); !os.IsNotExist(err) {
		t.Errorf("pod dir still there: %v", err)
	}
	// A second removal, of a directory already gone, is no error.
	if err := RemovePodDir(pod); err != nil {
		t.Errorf("removing a gone pod dir: %v", err)
	}
}

func TestEscapeOctalIsMountinfosEscaping(t *testing.T) {
	for in, want := range map[string]string{
		"/var/lib/ordo/pods/ns_p_u": "/var/lib/ordo/pods/ns_p_u",
		"/a b\tc\nd\\e":             `/a\040b\011c\012d\134e`,
	} {
		if got := escapeOctal(in); got != want {
			t.Errorf("escapeOctal(%q) = %q, want %q", in, got, want)
		}
		if back := unescapeOctal(escapeOctal(in)); back != in {
			t.Errorf("unescapeOctal(escapeOctal(%q)) = %q", in, back)
		}
	}
}
