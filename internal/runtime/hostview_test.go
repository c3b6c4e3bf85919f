package runtime

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestHostSecretsHidesWhatOthersMayNotReadAndNonSystemTops builds a small
// host tree: the top-level directories outside the system hierarchy, the
// files and directories under /etc and /var that other users may not read,
// and /var's scratch directories are hidden; the rest, links and the
// skipped data directory are not.
func TestHostSecretsHidesWhatOthersMayNotReadAndNonSystemTops(t *testing.T) {
	root := t.TempDir()
	dirs := map[string]os.FileMode{
		"usr/bin": 0o755, "etc/ssh": 0o755, "etc/ssl/private": 0o700, "var/lib/postgresql/15/main": 0o700,
		"var/lib/nginx": 0o755, "var/tmp": 0o1777, "var/lib/ordo/pods": 0o700, "home/alice": 0o755,
		"root": 0o700, "work": 0o755, "opt": 0o755, "tmp": 0o1777, "run": 0o755,
	}
	for d, mode := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(root, d), mode)
	}
	files := map[string]os.FileMode{
		"etc/passwd": 0o644, "etc/shadow": 0o640, "etc/gshadow-": 0o600,
		"etc/ssh/ssh_host_ed25519_key": 0o600, "etc/ssh/ssh_host_ed25519_key.pub": 0o644,
		"var/lib/nginx/x": 0o644, "container_info.json": 0o644,
	}
	for f, mode := range files {
		if err := os.WriteFile(filepath.Join(root, f), nil, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(root, f), mode)
	}
	os.Symlink("usr/bin", filepath.Join(root, "bin"))
	got := HostSecrets(root, []string{filepath.Join(root, "var/lib/ordo")})
	want := []string{
		"/container_info.json", "/etc/gshadow-", "/etc/shadow", "/etc/ssh/ssh_host_ed25519_key",
		"/etc/ssl/private", "/home", "/opt", "/root", "/var/lib/postgresql/15/main", "/var/tmp", "/work",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("HostSecrets:\n got %q\nwant %q", got, want)
	}
}
