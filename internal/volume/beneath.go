package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// subPathSource is the host path of sub inside the volume at root, with
// every symlink resolved inside the volume: a subPath whose components a
// container made into symlinks (to "/", to another pod's files) is
// refused, not followed on the host — the subPath escape Kubernetes closed
// in 2018 (CVE-2017-1002101). Missing directories are made, one by one,
// beneath root; an existing entry is used as it is. The result has no
// symlinks left, so the runtime opens it without following any
// (runtime.Mount sources are opened with RESOLVE_NO_SYMLINKS).
func subPathSource(root, sub string) (string, error) {
	if err := os.MkdirAll(root, 0o777); err != nil { // the volume's own directory
		return "", err
	}
	rootFD, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(rootFD)
	fd, err := openBeneath(rootFD, sub)
	if errors.Is(err, unix.ENOENT) {
		if err = mkdirBeneath(rootFD, sub); err == nil {
			fd, err = openBeneath(rootFD, sub)
		}
	}
	if errors.Is(err, unix.EXDEV) {
		return "", fmt.Errorf("subPath %q leads out of its volume through a symlink", sub)
	}
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	real, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		return "", err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	if real != realRoot && !strings.HasPrefix(real, realRoot+"/") {
		return "", fmt.Errorf("subPath %q leads out of its volume", sub)
	}
	return real, nil
}

// openBeneath opens path under dirFD, resolving symlinks only inside it.
func openBeneath(dirFD int, path string) (int, error) {
	return unix.Openat2(dirFD, path, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	})
}

// mkdirBeneath makes the missing directories of path under dirFD, each
// created relative to its parent opened beneath dirFD, so no symlink
// takes a mkdir outside.
func mkdirBeneath(dirFD int, path string) error {
	parts := strings.Split(filepath.Clean(path), "/")
	for i := range parts {
		dir := strings.Join(parts[:i+1], "/")
		fd, err := openBeneath(dirFD, dir)
		if err == nil {
			unix.Close(fd)
			continue
		}
		if !errors.Is(err, unix.ENOENT) {
			return err
		}
		parent := dirFD
		if i > 0 {
			if parent, err = openBeneath(dirFD, strings.Join(parts[:i], "/")); err != nil {
				return err
			}
			defer unix.Close(parent)
		}
		if err := unix.Mkdirat(parent, parts[i], 0o777); err != nil && !errors.Is(err, unix.EEXIST) {
			return err
		}
	}
	return nil
}

// apiDataSubPath is sub of a configMap, secret, downwardAPI or projected
// volume: a key that is missing is mounted as a missing path is (the
// start fails naming it), as before; an existing one resolved inside the
// volume.
func apiDataSubPath(root, sub string) (string, error) {
	if _, err := os.Lstat(filepath.Join(root, sub)); os.IsNotExist(err) {
		return filepath.Join(root, sub), nil
	}
	return subPathSource(root, sub)
}
