package machines

import (
	"os"
	"path/filepath"
	"syscall"
)

// makeRunDir makes the machine's /run as a real machine's is after boot:
// mode 0755, holding the directories systemd-tmpfiles makes there for the
// packages installed (the host's, since a machine shares its programs):
// /run/postgresql 2775 postgres, /run/mysqld mysql, ... empty, with the
// host's owners and modes. Pods on the host's root get a /run of their own
// with the same directories (runtime's ordo_run copies them), so without
// this a database server's socket directory would be missing or, under a
// 0700 /run, closed to its user. The machine's own state directories
// (netns, ordo) are not copied: the machine makes its own.
func makeRunDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir("/run")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "netns" || e.Name() == "ordo" {
			continue
		}
		if err := copyDirMode(filepath.Join("/run", e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// copyDirMode makes dst an empty directory with src's owner and mode.
func copyDirMode(src, dst string) error {
	info, err := os.Stat(src)
	if err != nil {
		return nil // gone meanwhile
	}
	if err := os.Mkdir(dst, 0o700); err != nil && !os.IsExist(err) {
		return err
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		if err := os.Chown(dst, int(st.Uid), int(st.Gid)); err != nil {
			return err
		}
	}
	return os.Chmod(dst, info.Mode()&(os.ModePerm|os.ModeSetgid|os.ModeSetuid|os.ModeSticky))
}
