package volume

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func gidAndMode(t *testing.T, path string) (uint32, os.FileMode) {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Sys().(*syscall.Stat_t).Gid, info.Mode()
}

func TestFSGroupGivesTheVolumeToTheGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(dir, 0o700))
	must(os.MkdirAll(filepath.Join(dir, "sub"), 0o700))
	must(os.WriteFile(filepath.Join(dir, "sub", "f"), []byte("x"), 0o600))
	must(os.Symlink("sub/f", filepath.Join(dir, "link")))
	p := &corev1.Pod{Spec: corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{FSGroup: ptr.To[int64](4321)}}}
	must(applyFSGroup(p, dir, false))
	for path, want := range map[string]os.FileMode{
		dir:                         os.ModeDir | os.ModeSetgid | 0o770,
		filepath.Join(dir, "sub"):   os.ModeDir | os.ModeSetgid | 0o770,
		filepath.Join(dir, "sub/f"): 0o660,
	} {
		gid, mode := gidAndMode(t, path)
		if gid != 4321 || mode&(os.ModeDir|os.ModeSetgid|os.ModePerm) != want {
			t.Errorf("%s: gid %d mode %v, want 4321 %v", path, gid, mode, want)
		}
	}
	if gid, _ := gidAndMode(t, filepath.Join(dir, "link")); gid != 4321 {
		t.Errorf("symlink gid %d", gid)
	}
	// A file made in the volume afterwards is in the group (setgid).
	must(os.WriteFile(filepath.Join(dir, "sub", "new"), nil, 0o600))
	if gid, _ := gidAndMode(t, filepath.Join(dir, "sub", "new")); gid != 4321 {
		t.Errorf("new file gid %d: the directory's setgid bit should give it the group", gid)
	}
}

func TestFSGroupReadOnlyVolumesAndOnRootMismatch(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key"), []byte("s"), 0o400); err != nil {
		t.Fatal(err)
	}
	policy := corev1.FSGroupChangeOnRootMismatch
	p := &corev1.Pod{Spec: corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{FSGroup: ptr.To[int64](4321), FSGroupChangePolicy: &policy}}}
	if err := applyFSGroup(p, dir, true); err != nil {
		t.Fatal(err)
	}
	if gid, mode := gidAndMode(t, filepath.Join(dir, "key")); gid != 4321 || mode.Perm() != 0o440 {
		t.Errorf("read-only volume file: gid %d mode %v, want 4321 0440", gid, mode)
	}
	// The root matches now: a file added with another group is left alone.
	extra := filepath.Join(dir, "extra")
	if err := os.WriteFile(extra, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(extra, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := applyFSGroup(p, dir, true); err != nil {
		t.Fatal(err)
	}
	if gid, _ := gidAndMode(t, extra); gid != 0 {
		t.Errorf("OnRootMismatch walked a volume whose root matched (gid %d)", gid)
	}
	// No fsGroup: nothing changes.
	if err := applyFSGroup(&corev1.Pod{}, extra, false); err != nil {
		t.Fatal(err)
	}
}
