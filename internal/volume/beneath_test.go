package volume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSubPathSymlinksCannotLeaveTheVolume: a container that makes a
// subPath's component a symlink out of its emptyDir gets the mount refused
// instead of the host's file; links inside the volume resolve inside it;
// missing directories are made beneath the volume only.
func TestSubPathSymlinksCannotLeaveTheVolume(t *testing.T) {
	vol := t.TempDir()
	outside := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(outside, "secret"), []byte("host"), 0o600))
	must(os.Symlink("/etc", filepath.Join(vol, "etc-link")))
	must(os.Symlink(outside, filepath.Join(vol, "out")))
	must(os.Symlink("../../..", filepath.Join(vol, "up")))
	must(os.MkdirAll(filepath.Join(vol, "data", "real"), 0o755))
	must(os.Symlink("data/real", filepath.Join(vol, "inside")))
	must(os.Symlink("/data", filepath.Join(vol, "abs-inside")))
	for _, sub := range []string{"etc-link", "etc-link/passwd", "out/secret", "up", "out/new/dir"} {
		if got, err := subPathSource(vol, sub); err == nil {
			t.Errorf("subPath %q escaped to %s", sub, got)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); err == nil {
		t.Error("a missing subPath was made outside the volume")
	}
	got, err := subPathSource(vol, "inside")
	realVol, _ := filepath.EvalSymlinks(vol)
	if err != nil || got != filepath.Join(realVol, "data", "real") {
		t.Errorf("a link inside the volume: %q, %v", got, err)
	}
	if got, err := subPathSource(vol, "new/deeper"); err != nil || got != filepath.Join(realVol, "new", "deeper") {
		t.Errorf("a missing subPath: %q, %v", got, err)
	} else if st, err := os.Stat(got); err != nil || !st.IsDir() {
		t.Errorf("the missing subPath was not made: %v", err)
	}
	// RESOLVE_BENEATH refuses absolute links, even ones that would stay
	// inside the volume: they are refused too, not followed on the host.
	if got, err := subPathSource(vol, "abs-inside"); err == nil && !strings.HasPrefix(got, realVol) {
		t.Errorf("an absolute link went to %s", got)
	}
}
