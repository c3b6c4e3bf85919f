package image

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// maxSymlinks bounds symlink resolution in ReadFile, as the kernel's 40.
const maxSymlinks = 40

// ReadFile returns a file of the image as a container would see it:
// path is resolved against the image's root, walking the layers top-down
// as overlayfs does (a whiteout hides lower layers' entry, an opaque
// directory hides their directory's content, a non-directory hides a
// lower directory), with symlinks followed inside the image only: an
// absolute target or ".." resolves from the image's root, never the host's.
// The agent reads /etc/passwd and /etc/group with it to resolve `USER name`.
func (img *Image) ReadFile(p string) ([]byte, error) {
	if len(img.Layers) == 0 {
		return nil, &os.PathError{Op: "open", Path: p, Err: os.ErrNotExist}
	}
	rest := splitPath(p)
	cur := "/"
	links := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		if c == ".." {
			cur = path.Dir(cur)
			continue
		}
		cand := path.Join(cur, c)
		layer, st, err := img.lookup(cand)
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: p, Err: err}
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFLNK:
			links++
			if links > maxSymlinks {
				return nil, &os.PathError{Op: "open", Path: p, Err: unix.ELOOP}
			}
			target, err := readlinkBeneath(img.Layers[layer], cand)
			if err != nil {
				return nil, &os.PathError{Op: "readlink", Path: p, Err: err}
			}
			if strings.HasPrefix(target, "/") {
				cur = "/"
			}
			rest = append(splitPath(target), rest...)
		case unix.S_IFDIR:
			cur = cand
		default:
			if len(rest) > 0 {
				return nil, &os.PathError{Op: "open", Path: p, Err: unix.ENOTDIR}
			}
			if st.Mode&unix.S_IFMT != unix.S_IFREG {
				return nil, &os.PathError{Op: "open", Path: p, Err: errors.New("not a regular file")}
			}
			return readBeneath(img.Layers[layer], cand)
		}
	}
	return nil, &os.PathError{Op: "open", Path: p, Err: unix.EISDIR}
}

// splitPath splits a path into its components, dropping empty ones and ".".
func splitPath(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

// lookup finds the topmost layer holding p (absolute, clean, whose parent
// is a directory of the merged view) and its lstat.
func (img *Image) lookup(p string) (int, unix.Stat_t, error) {
	for i := len(img.Layers) - 1; i >= 0; i-- {
		st, err := lstatBeneath(img.Layers[i], p)
		if err == nil {
			if isWhiteout(st) {
				return 0, st, os.ErrNotExist
			}
			return i, st, nil
		}
		if hidesBelow(img.Layers[i], p) {
			break
		}
	}
	return 0, unix.Stat_t{}, os.ErrNotExist
}

// hidesBelow reports whether a layer without p hides lower layers' p: an
// ancestor of p in it is opaque, a whiteout, or not a directory.
func hidesBelow(layer, p string) bool {
	anc := "/"
	for _, c := range splitPath(path.Dir(p)) {
		anc = path.Join(anc, c)
		st, err := lstatBeneath(layer, anc)
		if err != nil {
			return false // absent here: lower layers show through
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR || isOpaque(layer, anc) {
			return true
		}
	}
	return false
}

func isWhiteout(st unix.Stat_t) bool {
	return st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0
}

// isOpaque reports whether the layer's directory dir is opaque.
func isOpaque(layer, dir string) bool {
	f, err := openLayerFile(layer, dir, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 1)
	n, err := unix.Fgetxattr(int(f.Fd()), opaqueXattr, buf)
	return err == nil && n == 1 && buf[0] == 'y'
}

// openLayerFile opens p (absolute inside the layer) without following
// symlinks.
func openLayerFile(layer, p string, flags uint64) (*os.File, error) {
	root, err := os.Open(layer)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return openBeneath(int(root.Fd()), strings.TrimPrefix(p, "/"), flags)
}

// lstatBeneath lstats p inside the layer without following any symlink on
// the way.
func lstatBeneath(layer, p string) (unix.Stat_t, error) {
	var st unix.Stat_t
	parent, err := openLayerFile(layer, path.Dir(p), unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return st, err
	}
	defer parent.Close()
	err = unix.Fstatat(int(parent.Fd()), path.Base(p), &st, unix.AT_SYMLINK_NOFOLLOW)
	return st, err
}

// readlinkBeneath reads the symlink p inside the layer.
func readlinkBeneath(layer, p string) (string, error) {
	parent, err := openLayerFile(layer, path.Dir(p), unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return "", err
	}
	defer parent.Close()
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(int(parent.Fd()), path.Base(p), buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// maxReadFile bounds what ReadFile returns: it is for small
// configuration files such as /etc/passwd.
const maxReadFile = 64 << 20

// readBeneath reads the regular file p inside the layer.
func readBeneath(layer, p string) ([]byte, error) {
	f, err := openLayerFile(layer, p, unix.O_RDONLY|unix.O_NOFOLLOW)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxReadFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxReadFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", p, maxReadFile)
	}
	return data, nil
}
