package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The unpacker turns one layer's tar stream into a directory in overlayfs
// format, following the OCI image spec's rules for changesets:
//
//   - `.wh.NAME` becomes a whiteout for NAME: a character device 0/0, which
//     overlayfs reads as "deleted in this layer";
//   - `.wh..wh..opq` marks its directory opaque (xattr trusted.overlay.opaque=y),
//     hiding whatever lower layers hold there;
//   - regular files, directories, symlinks and hard links are created with
//     their owners, modes (setuid, setgid and sticky included: chmod comes
//     after chown, which clears them), PAX `SCHILY.xattr.*` extended
//     attributes where the file system has them, and modification times;
//   - device nodes and fifos are skipped: a container gets its /dev from the
//     runtime, never from an image.
//
// The layer is hostile until proven otherwise. Every entry is created
// relative to an fd of its parent directory, and that parent is opened with
// openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), so no symlink is ever
// followed while unpacking: a symlink (even to "/" or "../..") is stored as
// it is, to be resolved inside the container later, and an entry under a
// symlinked parent is refused. Names with ".." components are refused, and
// hard links must name an entry of the same layer unpacked earlier. The tar
// stream's size and entry count are capped (Options.MaxLayerSize,
// Options.MaxLayerEntries) so that a gzip bomb stops early.
//
// unpack writes into a fresh temporary directory; the caller removes it on
// any error, so nothing half-unpacked survives a refusal.

const (
	// whiteoutPrefix marks a deleted file in a layer tar (OCI image spec).
	whiteoutPrefix = ".wh."
	// opaqueWhiteout marks its directory as replacing, not merging with,
	// the directories of lower layers.
	opaqueWhiteout = ".wh..wh..opq"
	// opaqueXattr is how overlayfs records an opaque directory.
	opaqueXattr = "trusted.overlay.opaque"
	// paxXattrPrefix introduces an extended attribute in a PAX header.
	paxXattrPrefix = "SCHILY.xattr."
)

// errLimit is wrapped by the errors of layers past Options.MaxLayerSize or
// Options.MaxLayerEntries.
var errLimit = errors.New("layer exceeds the store's limit")

// unpackLimits caps what one layer may hold.
type unpackLimits struct {
	MaxBytes   int64 // bytes of the uncompressed tar stream
	MaxEntries int   // tar entries
}

// limitReader fails once more than max bytes were read, instead of
// returning a silent EOF as io.LimitReader does.
type limitReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, fmt.Errorf("%w: uncompressed size passes %d bytes", errLimit, l.max)
	}
	return n, err
}

// dirTime is a directory's mtime, applied once all its children exist
// (adding a child would change it again).
type dirTime struct {
	name  string
	mtime time.Time
}

// unpacker holds the state of one layer's unpacking.
type unpacker struct {
	root     *os.File // the layer directory
	dirTimes []dirTime
	entries  int
	size     int64 // the entries' sizes so far
	lim      unpackLimits
	// plain extracts an image archive (docker save, OCI layout) rather
	// than a layer: directories and regular files only, owned by the
	// store, no whiteouts, no xattrs.
	plain bool
}

// unpack reads the tar stream r into dir, which must exist and be empty. It
// returns the number of bytes of file content written.
func unpack(ctx context.Context, r io.Reader, dir string, lim unpackLimits) (int64, error) {
	return (&unpacker{lim: lim}).run(ctx, r, dir)
}

// run unpacks the tar stream r into dir.
func (u *unpacker) run(ctx context.Context, r io.Reader, dir string) (int64, error) {
	root, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer root.Close()
	u.root = root
	lim := u.lim
	lr := &limitReader{r: r, max: lim.MaxBytes}
	tr := tar.NewReader(lr)
	var written int64
	for {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return written, fmt.Errorf("reading the layer's tar stream: %w", err)
		}
		u.entries++
		if u.entries > lim.MaxEntries {
			return written, fmt.Errorf("%w: more than %d entries", errLimit, lim.MaxEntries)
		}
		// A sparse file's holes take no room in the stream; count the
		// files' sizes as well as the stream's bytes.
		if hdr.Size > 0 {
			u.size += hdr.Size
		}
		if hdr.Size < 0 || u.size > lim.MaxBytes {
			return written, fmt.Errorf("%w: entry %q: files' sizes pass %d bytes", errLimit, hdr.Name, lim.MaxBytes)
		}
		n, err := u.entry(hdr, tr)
		written += n
		if err != nil {
			return written, fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
	}
	return written, u.finish()
}

// finish sets the directories' mtimes, deepest first. A directory a later
// entry replaced (by a file, a whiteout, or a symlink over its parent) is
// skipped, as tar does.
func (u *unpacker) finish() error {
	for i := len(u.dirTimes) - 1; i >= 0; i-- {
		d := u.dirTimes[i]
		err := u.setTime(d.name, d.mtime)
		if err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOTDIR) &&
			!errors.Is(err, unix.ELOOP) && !errors.Is(err, unix.EXDEV) {
			return fmt.Errorf("entry %q: %w", d.name, err)
		}
	}
	return nil
}

// cleanEntryName turns a tar entry name into a clean relative path inside
// the layer ("" for the layer's root). Leading slashes and "./" are
// dropped, as tar does; any ".." component is refused, even one that
// would stay inside, since no well-formed layer has one.
func cleanEntryName(name string) (string, error) {
	if name == "" {
		return "", errors.New("empty entry name")
	}
	if strings.ContainsRune(name, 0) {
		return "", errors.New("entry name contains a NUL byte")
	}
	for _, c := range strings.Split(name, "/") {
		if c == ".." {
			return "", errors.New(`entry name has a ".." component`)
		}
	}
	p := path.Clean("/" + name)
	if p == "/" {
		return "", nil
	}
	return p[1:], nil
}

// entry unpacks one tar entry.
func (u *unpacker) entry(hdr *tar.Header, r io.Reader) (int64, error) {
	name, err := cleanEntryName(hdr.Name)
	if err != nil {
		return 0, err
	}
	if u.plain && hdr.Typeflag != tar.TypeDir && hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA {
		return 0, fmt.Errorf("unexpected entry type %q in an image archive", hdr.Typeflag)
	}
	if name == "" {
		if hdr.Typeflag != tar.TypeDir {
			return 0, errors.New("the layer's root is not a directory")
		}
		return 0, u.setMeta(u.root, "", hdr)
	}
	dirName, base := path.Split(name)
	dirName = strings.TrimSuffix(dirName, "/")
	parent, err := u.openDir(dirName, true)
	if err != nil {
		return 0, err
	}
	defer parent.Close()
	if strings.HasPrefix(base, whiteoutPrefix) && !u.plain {
		return 0, u.whiteout(parent, base)
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		return 0, u.dir(parent, name, base, hdr)
	case tar.TypeReg, tar.TypeRegA:
		return u.file(parent, base, hdr, r)
	case tar.TypeSymlink:
		return 0, u.symlink(parent, base, hdr)
	case tar.TypeLink:
		return 0, u.hardlink(parent, base, hdr)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return 0, nil // devices come from the runtime, never from an image
	case tar.TypeXGlobalHeader:
		return 0, nil
	default:
		return 0, fmt.Errorf("unsupported tar entry type %q", hdr.Typeflag)
	}
}

// resolveBeneath is how every path inside a layer is opened: never above
// the layer, never through a symlink (or a /proc magic link).
const resolveBeneath = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

// openBeneath opens name relative to dirfd without following any symlink.
func openBeneath(dirfd int, name string, flags uint64) (*os.File, error) {
	if name == "" {
		name = "."
	}
	fd, err := unix.Openat2(dirfd, name, &unix.OpenHow{Flags: flags | unix.O_CLOEXEC, Resolve: resolveBeneath})
	if err != nil {
		if err == unix.ELOOP || err == unix.EXDEV {
			return nil, fmt.Errorf("%q is reached through a symlink: %w", name, err)
		}
		return nil, &os.PathError{Op: "openat2", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}

// openDir opens the layer's directory dir, creating missing components
// (mode 0755, as tar does for implied parents) when create is set.
func (u *unpacker) openDir(dir string, create bool) (*os.File, error) {
	f, err := openBeneath(int(u.root.Fd()), dir, unix.O_RDONLY|unix.O_DIRECTORY)
	if err == nil || !create || !errors.Is(err, unix.ENOENT) {
		return f, err
	}
	cur, err := openBeneath(int(u.root.Fd()), "", unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	for _, c := range strings.Split(dir, "/") {
		if err := unix.Mkdirat(int(cur.Fd()), c, 0o755); err != nil && err != unix.EEXIST {
			cur.Close()
			return nil, &os.PathError{Op: "mkdirat", Path: c, Err: err}
		}
		next, err := openBeneath(int(cur.Fd()), c, unix.O_RDONLY|unix.O_DIRECTORY)
		cur.Close()
		if err != nil {
			return nil, err
		}
		cur = next
	}
	return cur, nil
}

// whiteout records a deletion (".wh.NAME") or an opaque directory.
func (u *unpacker) whiteout(parent *os.File, base string) error {
	if base == opaqueWhiteout {
		return unix.Fsetxattr(int(parent.Fd()), opaqueXattr, []byte("y"), 0)
	}
	target := strings.TrimPrefix(base, whiteoutPrefix)
	if target == "" || target == "." || target == ".." || strings.HasPrefix(target, whiteoutPrefix) {
		return fmt.Errorf("malformed whiteout %q", base)
	}
	if err := removeEntry(parent, target); err != nil {
		return err
	}
	if err := unix.Mknodat(int(parent.Fd()), target, unix.S_IFCHR|0, 0); err != nil {
		return &os.PathError{Op: "mknodat", Path: target, Err: err}
	}
	return nil
}

// removeEntry clears base in parent so that a later entry replaces an
// earlier one, as tar does; a directory stays when the new entry is one.
func removeEntry(parent *os.File, base string) error {
	var st unix.Stat_t
	err := unix.Fstatat(int(parent.Fd()), base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == unix.ENOENT {
		return nil
	}
	if err != nil {
		return &os.PathError{Op: "fstatat", Path: base, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return unix.Unlinkat(int(parent.Fd()), base, 0)
	}
	d, err := openBeneath(int(parent.Fd()), base, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	names, err := d.Readdirnames(-1)
	if err == nil {
		for _, n := range names {
			if err = removeEntry(d, n); err != nil {
				break
			}
		}
	}
	d.Close()
	if err != nil {
		return err
	}
	return unix.Unlinkat(int(parent.Fd()), base, unix.AT_REMOVEDIR)
}

// dir creates (or keeps) a directory and sets its metadata; its mtime
// waits for finish.
func (u *unpacker) dir(parent *os.File, name, base string, hdr *tar.Header) error {
	var st unix.Stat_t
	if err := unix.Fstatat(int(parent.Fd()), base, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
		if err := removeEntry(parent, base); err != nil {
			return err
		}
	}
	if err := unix.Mkdirat(int(parent.Fd()), base, 0o700); err != nil && err != unix.EEXIST {
		return &os.PathError{Op: "mkdirat", Path: base, Err: err}
	}
	d, err := openBeneath(int(parent.Fd()), base, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := u.setMeta(d, name, hdr); err != nil {
		return err
	}
	u.dirTimes = append(u.dirTimes, dirTime{name: name, mtime: hdr.ModTime})
	return nil
}

// file writes a regular file's content and metadata.
func (u *unpacker) file(parent *os.File, base string, hdr *tar.Header, r io.Reader) (int64, error) {
	if err := removeEntry(parent, base); err != nil {
		return 0, err
	}
	fd, err := unix.Openat(int(parent.Fd()), base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return 0, &os.PathError{Op: "openat", Path: base, Err: err}
	}
	f := os.NewFile(uintptr(fd), base)
	defer f.Close()
	n, err := io.Copy(f, r)
	if err != nil {
		return n, err
	}
	if err := u.setMeta(f, "", hdr); err != nil {
		return n, err
	}
	return n, setTimeFd(f, hdr.ModTime)
}

// symlink stores a symlink as it is: its target is resolved by the
// container's own root later, never here.
func (u *unpacker) symlink(parent *os.File, base string, hdr *tar.Header) error {
	if err := removeEntry(parent, base); err != nil {
		return err
	}
	if err := unix.Symlinkat(hdr.Linkname, int(parent.Fd()), base); err != nil {
		return &os.PathError{Op: "symlinkat", Path: base, Err: err}
	}
	if err := unix.Fchownat(int(parent.Fd()), base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &os.PathError{Op: "lchown", Path: base, Err: err}
	}
	return setTimeAt(parent, base, hdr.ModTime)
}

// hardlink links base to an entry unpacked earlier in this layer. The
// target's parent is opened without following symlinks, and linkat does not
// follow a final symlink either, so the link can only reach this layer.
func (u *unpacker) hardlink(parent *os.File, base string, hdr *tar.Header) error {
	target, err := cleanEntryName(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("hard link target %q: %w", hdr.Linkname, err)
	}
	if target == "" {
		return errors.New("hard link to the layer's root")
	}
	tdir, tbase := path.Split(target)
	tparent, err := u.openDir(strings.TrimSuffix(tdir, "/"), false)
	if err != nil {
		return fmt.Errorf("hard link target %q is not in this layer: %w", hdr.Linkname, err)
	}
	defer tparent.Close()
	if err := removeEntry(parent, base); err != nil {
		return err
	}
	if err := unix.Linkat(int(tparent.Fd()), tbase, int(parent.Fd()), base, 0); err != nil {
		return fmt.Errorf("hard link target %q is not in this layer: %w", hdr.Linkname, err)
	}
	return nil
}

// setMeta sets owner, then mode (chown clears setuid/setgid), then
// extended attributes of the open file or directory f.
func (u *unpacker) setMeta(f *os.File, _ string, hdr *tar.Header) error {
	fd := int(f.Fd())
	if u.plain {
		return unix.Fchmod(fd, 0o700)
	}
	if err := unix.Fchown(fd, hdr.Uid, hdr.Gid); err != nil {
		return &os.PathError{Op: "fchown", Path: f.Name(), Err: err}
	}
	if err := unix.Fchmod(fd, tarMode(hdr.Mode)); err != nil {
		return &os.PathError{Op: "fchmod", Path: f.Name(), Err: err}
	}
	for k, v := range hdr.PAXRecords {
		attr, ok := strings.CutPrefix(k, paxXattrPrefix)
		if !ok || isOverlayXattr(attr) {
			continue
		}
		err := unix.Fsetxattr(fd, attr, []byte(v), 0)
		if err != nil && err != unix.ENOTSUP && err != unix.EOPNOTSUPP {
			return &os.PathError{Op: "fsetxattr " + attr, Path: f.Name(), Err: err}
		}
	}
	return nil
}

// isOverlayXattr reports an attribute of overlayfs's own (opaque,
// redirect, metacopy, origin…): a layer says "opaque" with .wh..wh..opq,
// and must not forge the others, which steer overlayfs's lookups.
func isOverlayXattr(attr string) bool {
	return strings.HasPrefix(attr, "trusted.overlay.") || strings.HasPrefix(attr, "user.overlay.")
}

// tarMode maps tar's mode bits (permissions plus setuid 04000, setgid
// 02000, sticky 01000) to chmod's.
func tarMode(m int64) uint32 {
	mode := uint32(m) & 0o777
	if m&0o4000 != 0 {
		mode |= unix.S_ISUID
	}
	if m&0o2000 != 0 {
		mode |= unix.S_ISGID
	}
	if m&0o1000 != 0 {
		mode |= unix.S_ISVTX
	}
	return mode
}

// setTime sets the mtime (and atime) of the layer's entry name.
func (u *unpacker) setTime(name string, t time.Time) error {
	if name == "" {
		return setTimeFd(u.root, t)
	}
	dir, base := path.Split(name)
	parent, err := u.openDir(strings.TrimSuffix(dir, "/"), false)
	if err != nil {
		return err
	}
	defer parent.Close()
	return setTimeAt(parent, base, t)
}

func setTimeAt(parent *os.File, base string, t time.Time) error {
	ts := unix.NsecToTimespec(t.UnixNano())
	return unix.UtimesNanoAt(int(parent.Fd()), base, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
}

func setTimeFd(f *os.File, t time.Time) error {
	ts := unix.NsecToTimespec(t.UnixNano())
	return unix.UtimesNanoAt(int(f.Fd()), "", []unix.Timespec{ts, ts}, unix.AT_EMPTY_PATH)
}
