package volume

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// dataLink is the symlink that names a volume's current payload directory.
const dataLink = "..data"

// writeAtomicDir makes dir hold exactly p, in the layout the kubelet uses for
// configMap, secret, downwardAPI and projected volumes, so a reader sees
// either the whole old payload or the whole new one, never a mix:
//
//	dir/..2024_05_01_10_00_00.123456789/   the payload (files, subdirectories)
//	dir/..data -> ..2024_05_01_10_00_00.123456789
//	dir/key    -> ..data/key                one link per top-level name
//
// An update writes a new timestamped directory, swaps ..data with a rename,
// adds links for new names, drops links for removed ones and deletes the old
// directory. An unchanged payload changes nothing, so a container watching
// ..data (as config reloaders do) is woken only by real changes. Names
// starting with ".." are reserved for this bookkeeping.
func writeAtomicDir(dir string, p payload) error {
	if err := checkPayloadPaths(p); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := os.Readlink(filepath.Join(dir, dataLink))
	if old != "" && sameAsOnDisk(filepath.Join(dir, old), p) {
		return ensureLinks(dir, p)
	}
	ts, err := os.MkdirTemp(dir, time.Now().UTC().Format("..2006_01_02_15_04_05."))
	if err != nil {
		return err
	}
	if err := writePayload(ts, p); err != nil {
		os.RemoveAll(ts)
		return err
	}
	tmpLink := filepath.Join(dir, dataLink+"_tmp")
	os.Remove(tmpLink)
	if err := os.Symlink(filepath.Base(ts), tmpLink); err != nil {
		return err
	}
	if err := os.Rename(tmpLink, filepath.Join(dir, dataLink)); err != nil {
		return err
	}
	if err := ensureLinks(dir, p); err != nil {
		return err
	}
	if old != "" && old != filepath.Base(ts) {
		return os.RemoveAll(filepath.Join(dir, old))
	}
	return nil
}

// checkPayloadPaths refuses paths that would leave the volume or clash with
// the bookkeeping names (validation already rejects them; this is the last
// line of defence against writing outside the pod's directory).
func checkPayloadPaths(p payload) error {
	for path := range p {
		if path == "" || filepath.IsAbs(path) || strings.HasPrefix(path, "..") {
			return fmt.Errorf("invalid volume file path %q", path)
		}
		for _, part := range strings.Split(path, "/") {
			if part == ".." {
				return fmt.Errorf("invalid volume file path %q: must not contain '..'", path)
			}
		}
	}
	return nil
}

// writePayload writes p's files into the fresh directory ts.
func writePayload(ts string, p payload) error {
	if err := os.Chmod(ts, 0o755); err != nil {
		return err
	}
	for path, f := range p {
		full := filepath.Join(ts, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, f.data, f.mode); err != nil {
			return err
		}
		// WriteFile's mode is filtered by the umask.
		if err := os.Chmod(full, f.mode); err != nil {
			return err
		}
	}
	return nil
}

// sameAsOnDisk reports whether the payload directory data holds exactly p.
func sameAsOnDisk(data string, p payload) bool {
	seen := 0
	err := filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(data, path)
		want, ok := p[rel]
		info, ierr := d.Info()
		if !ok || ierr != nil || info.Mode().Perm() != want.mode {
			return fs.ErrInvalid
		}
		got, rerr := os.ReadFile(path)
		if rerr != nil || !bytes.Equal(got, want.data) {
			return fs.ErrInvalid
		}
		seen++
		return nil
	})
	return err == nil && seen == len(p)
}

// ensureLinks makes dir's top-level entries exactly one "name -> ..data/name"
// link per top-level name of p. Anything else that is not bookkeeping goes:
// links of removed keys, and plain files of the layout older agents wrote.
func ensureLinks(dir string, p payload) error {
	top := map[string]bool{}
	for path := range p {
		top[strings.SplitN(path, "/", 2)[0]] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "..") {
			continue
		}
		target, _ := os.Readlink(filepath.Join(dir, name))
		if top[name] && target == filepath.Join(dataLink, name) {
			delete(top, name)
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	for name := range top {
		if err := os.Symlink(filepath.Join(dataLink, name), filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}
