package runtime

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// A container on the host's root (the image table's mode) sees the host's
// file system, read-only under its writable layer. What it must not see is
// decided here, once, when the agent starts:
//
//   - every top-level entry outside the standard system hierarchy
//     (systemDirs): /root, /home, /boot, /srv, /opt, /mnt, /media and
//     whatever else a machine keeps at the top (projects, checkouts);
//   - under /etc and /var, every file other users may not read and every
//     directory they may not list: /etc/shadow and /etc/gshadow (and their
//     backups), SSH host keys, /etc/ssl/private, a database's data
//     directory, private logs, debconf's passwords. The host's owner has
//     already marked them private; a container's root would otherwise
//     read them all;
//   - the host's scratch and user data under /var (wholeVar): /var/tmp,
//     /var/backups, /var/mail, /var/spool.
//
// The container's /tmp, /dev, /proc and /run are its own (exec.c).
// Programs keep running: /usr, /etc's readable configuration and /var/lib
// stay. A hidden directory is an empty, throwaway tmpfs and a hidden file
// an empty one, so a volume (a hostPath under /home) still mounts where the
// pod asks for it.

// systemDirs are the top-level directories a container on the host's root
// keeps (the Filesystem Hierarchy Standard's, less /root, /home, /boot,
// /srv, /opt, /mnt and /media).
var systemDirs = map[string]bool{
	"bin": true, "sbin": true, "lib": true, "lib32": true, "lib64": true, "libx32": true,
	"usr": true, "etc": true, "var": true, "run": true, "dev": true, "proc": true,
	"sys": true, "tmp": true,
}

// privateTrees are searched for what other users may not read.
var privateTrees = []string{"etc", "var"}

// wholeVar are /var's directories of users' data and scratch, hidden whole.
var wholeVar = []string{"var/tmp", "var/backups", "var/mail", "var/spool"}

// HostSecrets lists the paths under root (normally "/") that containers on
// the host's root must not see, as absolute paths inside root. The
// directories in skip (full paths, such as the agent's data directory,
// hidden anyway) are not searched.
func HostSecrets(root string, skip []string) []string {
	var hide []string
	add := func(path string) {
		rel, err := filepath.Rel(root, path)
		if err == nil {
			hide = append(hide, "/"+filepath.ToSlash(rel))
		}
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if e.Type()&fs.ModeSymlink == 0 && !systemDirs[e.Name()] {
			add(filepath.Join(root, e.Name()))
		}
	}
	for _, d := range wholeVar {
		if fi, err := os.Lstat(filepath.Join(root, d)); err == nil && fi.IsDir() {
			add(filepath.Join(root, d))
		}
	}
	skipped := map[string]bool{}
	for _, d := range skip {
		skipped[filepath.Clean(d)] = true
	}
	for _, d := range wholeVar {
		skipped[filepath.Join(root, d)] = true
	}
	for _, t := range privateTrees {
		filepath.WalkDir(filepath.Join(root, t), func(path string, d fs.DirEntry, err error) error {
			if err != nil || skipped[path] {
				if d != nil && d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if private(d) {
				add(path)
				if d.IsDir() {
					return filepath.SkipDir
				}
			}
			return nil
		})
	}
	sort.Strings(hide)
	return hide
}

// private reports whether other users may not read a file or list a
// directory. Links, sockets and devices are never hidden themselves.
func private(d fs.DirEntry) bool {
	info, err := d.Info()
	if err != nil {
		return false
	}
	perm := info.Mode().Perm()
	switch {
	case info.IsDir():
		return perm&0o005 != 0o005
	case info.Mode().IsRegular():
		return perm&0o004 == 0
	}
	return false
}
