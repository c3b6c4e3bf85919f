package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// entry is one tar entry of a test layer.
type entry struct {
	name, body, link string
	typ              byte
	mode             int64
	uid, gid         int
	pax              map[string]string
}

func tarOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
			if strings.HasSuffix(e.name, "/") {
				typ = tar.TypeDir
			}
		}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
			if typ == tar.TypeDir {
				mode = 0o755
			}
		}
		hdr := &tar.Header{Name: e.name, Typeflag: typ, Mode: mode, Uid: e.uid, Gid: e.gid, Linkname: e.link,
			ModTime: time.Unix(1700000000, 0), PAXRecords: e.pax, Format: tar.FormatPAX}
		if typ == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var testLimits = unpackLimits{MaxBytes: 1 << 30, MaxEntries: 1000}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("unpacking sets owners and overlay xattrs: run as root")
	}
}

func TestCleanEntryName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "etc/passwd", want: "etc/passwd"},
		{in: "./etc/passwd", want: "etc/passwd"},
		{in: "/etc/passwd", want: "etc/passwd"},
		{in: "etc//x/./y/", want: "etc/x/y"},
		{in: "./", want: ""},
		{in: "/", want: ""},
		{in: "../etc/passwd", bad: true},
		{in: "a/../../b", bad: true},
		{in: "a/../b", bad: true},
		{in: "/..", bad: true},
		{in: "..", bad: true},
		{in: "", bad: true},
		{in: "a\x00b", bad: true},
		{in: "a/..b", want: "a/..b"},
	} {
		got, err := cleanEntryName(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("cleanEntryName(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("cleanEntryName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestTarMode(t *testing.T) {
	if got := tarMode(0o4755); got != unix.S_ISUID|0o755 {
		t.Errorf("setuid: %o", got)
	}
	if got := tarMode(0o3775); got != unix.S_ISGID|unix.S_ISVTX|0o775 {
		t.Errorf("setgid+sticky: %o", got)
	}
	if got := tarMode(0o100644); got != 0o644 {
		t.Errorf("type bits: %o", got)
	}
}

func lstat(t *testing.T, p string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestUnpackEntries(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	layer := tarOf(t,
		entry{name: "bin/", mode: 0o755},
		entry{name: "bin/su", body: "su", mode: 0o4755, uid: 0, gid: 0},
		entry{name: "usr/bin/tool", body: "tool", mode: 0o2750, uid: 1000, gid: 1001},
		entry{name: "tmp/", mode: 0o1777},
		entry{name: "bin/sh", typ: tar.TypeSymlink, link: "/bin/busybox", uid: 5, gid: 6},
		entry{name: "up", typ: tar.TypeSymlink, link: "../../../.."},
		entry{name: "bin/su2", typ: tar.TypeLink, link: "/bin/su"},
		entry{name: "dev/null", typ: tar.TypeChar},
		entry{name: "fifo", typ: tar.TypeFifo},
		entry{name: "old/", mode: 0o755},
		entry{name: "old/.wh..wh..opq"},
		entry{name: ".wh.gone"},
		entry{name: "x", body: "xattr", pax: map[string]string{"SCHILY.xattr.user.ordo": "yes"}},
		entry{name: "forged/", pax: map[string]string{"SCHILY.xattr.trusted.overlay.opaque": "y", "SCHILY.xattr.trusted.overlay.redirect": "/etc"}},
	)
	if _, err := unpack(context.Background(), bytes.NewReader(layer), dir, testLimits); err != nil {
		t.Fatal(err)
	}
	if st := lstat(t, filepath.Join(dir, "bin/su")); st.Mode != unix.S_IFREG|unix.S_ISUID|0o755 {
		t.Errorf("bin/su mode %o", st.Mode)
	}
	if st := lstat(t, filepath.Join(dir, "usr/bin/tool")); st.Mode != unix.S_IFREG|unix.S_ISGID|0o750 || st.Uid != 1000 || st.Gid != 1001 {
		t.Errorf("usr/bin/tool mode %o owner %d:%d", st.Mode, st.Uid, st.Gid)
	}
	if st := lstat(t, filepath.Join(dir, "tmp")); st.Mode != unix.S_IFDIR|unix.S_ISVTX|0o777 {
		t.Errorf("tmp mode %o", st.Mode)
	}
	if st := lstat(t, filepath.Join(dir, "bin")); st.Mtim.Sec != 1700000000 {
		t.Errorf("bin mtime %d, want the tar's", st.Mtim.Sec)
	}
	if target, err := os.Readlink(filepath.Join(dir, "bin/sh")); err != nil || target != "/bin/busybox" {
		t.Errorf("bin/sh -> %q, %v", target, err)
	}
	if st := lstat(t, filepath.Join(dir, "bin/sh")); st.Uid != 5 || st.Gid != 6 {
		t.Errorf("symlink owner %d:%d", st.Uid, st.Gid)
	}
	if target, _ := os.Readlink(filepath.Join(dir, "up")); target != "../../../.." {
		t.Errorf("up -> %q: symlinks are stored as they are", target)
	}
	a, b := lstat(t, filepath.Join(dir, "bin/su")), lstat(t, filepath.Join(dir, "bin/su2"))
	if a.Ino != b.Ino {
		t.Error("bin/su2 is not a hard link of bin/su")
	}
	for _, skipped := range []string{"dev/null", "fifo"} {
		if _, err := os.Lstat(filepath.Join(dir, skipped)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: devices and fifos are skipped, got %v", skipped, err)
		}
	}
	if st := lstat(t, filepath.Join(dir, "gone")); st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("whiteout: mode %o rdev %d, want a 0/0 character device", st.Mode, st.Rdev)
	}
	if !isOpaque(dir, "/old") {
		t.Error("old is not opaque")
	}
	if _, err := os.Lstat(filepath.Join(dir, "old/.wh..wh..opq")); !errors.Is(err, os.ErrNotExist) {
		t.Error("the opaque marker was unpacked as a file")
	}
	if isOpaque(dir, "/forged") {
		t.Error("a PAX xattr made a directory opaque: overlay's own attributes must come from whiteouts only")
	}
	if n, _ := unix.Lgetxattr(filepath.Join(dir, "forged"), "trusted.overlay.redirect", make([]byte, 16)); n > 0 {
		t.Error("a PAX xattr set trusted.overlay.redirect")
	}
	buf := make([]byte, 8)
	if n, err := unix.Lgetxattr(filepath.Join(dir, "x"), "user.ordo", buf); err != nil && err != unix.ENOTSUP {
		t.Errorf("xattr: %v", err)
	} else if err == nil && string(buf[:n]) != "yes" {
		t.Errorf("xattr user.ordo = %q", buf[:n])
	}
}

func TestUnpackLaterEntryReplaces(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	layer := tarOf(t,
		entry{name: "a", body: "one"},
		entry{name: "a", body: "two"},
		entry{name: "d/", mode: 0o700},
		entry{name: "d/f", body: "f"},
		entry{name: "d/", mode: 0o755},
		entry{name: "e/"},
		entry{name: "e", body: "file now"},
		entry{name: "g/"},
		entry{name: "g/h/"},
		entry{name: "g", typ: tar.TypeSymlink, link: "/tmp"},
	)
	if _, err := unpack(context.Background(), bytes.NewReader(layer), dir, testLimits); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a")); string(b) != "two" {
		t.Errorf("a = %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "d/f")); string(b) != "f" {
		t.Errorf("a directory entry again must keep its content: d/f = %q", b)
	}
	if st := lstat(t, filepath.Join(dir, "d")); st.Mode&0o777 != 0o755 {
		t.Errorf("d mode %o", st.Mode)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "e")); string(b) != "file now" {
		t.Errorf("e = %q", b)
	}
}

// TestUnpackRefuses covers the hostile layers: every one is refused, and
// nothing lands outside the layer directory.
func TestUnpackRefuses(t *testing.T) {
	requireRoot(t)
	for _, tc := range []struct {
		name    string
		entries []entry
		want    string
	}{
		{"dotdot", []entry{{name: "../escape", body: "x"}}, `".." component`},
		{"dotdot inside", []entry{{name: "a/../../escape", body: "x"}}, `".." component`},
		{"absolute dotdot", []entry{{name: "/../escape", body: "x"}}, `".." component`},
		{"under a symlink to /", []entry{{name: "root", typ: tar.TypeSymlink, link: "/"}, {name: "root/escape", body: "x"}}, "symlink"},
		{"under a symlink up", []entry{{name: "up", typ: tar.TypeSymlink, link: "../outside"}, {name: "up/escape", body: "x"}}, "symlink"},
		{"under a symlinked dir deep", []entry{{name: "a/"}, {name: "a/b", typ: tar.TypeSymlink, link: "/tmp"}, {name: "a/b/c/escape", body: "x"}}, "symlink"},
		{"hard link outside", []entry{{name: "passwd", typ: tar.TypeLink, link: "../outside/secret"}}, `".." component`},
		{"hard link to a missing entry", []entry{{name: "passwd", typ: tar.TypeLink, link: "/etc/shadow"}}, "not in this layer"},
		{"hard link through a symlink", []entry{{name: "etc", typ: tar.TypeSymlink, link: "/etc"}, {name: "shadow", typ: tar.TypeLink, link: "etc/shadow"}}, "not in this layer"},
		{"hard link to a dir", []entry{{name: "d/"}, {name: "l", typ: tar.TypeLink, link: "d"}}, "not in this layer"},
		{"whiteout under a symlink", []entry{{name: "up", typ: tar.TypeSymlink, link: ".."}, {name: "up/.wh.outside"}}, "symlink"},
		{"whiteout of ..", []entry{{name: "a/"}, {name: "a/.wh..."}}, "malformed whiteout"},
		{"too many entries", manyEntries(20), "more than 10 entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top := t.TempDir()
			dir := filepath.Join(top, "layer")
			outside := filepath.Join(top, "outside")
			os.Mkdir(dir, 0o755)
			os.Mkdir(outside, 0o755)
			os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600)
			_, err := unpack(context.Background(), bytes.NewReader(tarOf(t, tc.entries...)), dir, unpackLimits{MaxBytes: 1 << 20, MaxEntries: 10})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("unpack: %v, want an error with %q", err, tc.want)
			}
			for _, p := range []string{filepath.Join(top, "escape"), filepath.Join(outside, "escape"), "/escape", "/tmp/c/escape"} {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("%s was written", p)
				}
			}
			if got, _ := os.ReadDir(outside); len(got) != 1 {
				t.Errorf("outside has %d entries", len(got))
			}
		})
	}
}

func manyEntries(n int) []entry {
	var out []entry
	for i := range n {
		out = append(out, entry{name: "f" + strings.Repeat("x", i), body: ""})
	}
	return out
}

func TestUnpackSizeLimit(t *testing.T) {
	requireRoot(t)
	layer := tarOf(t, entry{name: "big", body: strings.Repeat("0", 1<<20)})
	_, err := unpack(context.Background(), bytes.NewReader(layer), t.TempDir(), unpackLimits{MaxBytes: 64 << 10, MaxEntries: 10})
	if !errors.Is(err, errLimit) {
		t.Fatalf("unpack: %v, want the size limit", err)
	}
}

// paxRecord formats one PAX extended header record.
func paxRecord(k, v string) string {
	rest := " " + k + "=" + v + "\n"
	n := len(rest) + 1
	for len(strconv.Itoa(n))+len(rest) != n {
		n++
	}
	return strconv.Itoa(n) + rest
}

// TestUnpackSparseLimit: a sparse file's holes cost nothing in the tar
// stream, so its size must count against the limit too. archive/tar
// writes no sparse files, so the PAX header is written by hand: a 1 TiB
// file (PAX sparse format 1.0) holding one byte of data.
func TestUnpackSparseLimit(t *testing.T) {
	requireRoot(t)
	records := paxRecord("GNU.sparse.major", "1") + paxRecord("GNU.sparse.minor", "0") +
		paxRecord("GNU.sparse.name", "sparse") + paxRecord("GNU.sparse.realsize", "1099511627776")
	sparseMap := "1\n1099511627775\n1\n"
	body := sparseMap + strings.Repeat("\x00", 512-len(sparseMap)) + "x"
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "PaxHeaders/sparse", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(records)), Format: tar.FormatUSTAR})
	tw.Write([]byte(records))
	tw.WriteHeader(&tar.Header{Name: "GNUSparseFile.0/sparse", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body)), Format: tar.FormatUSTAR})
	tw.Write([]byte(body))
	tw.Close()
	data := buf.Bytes()
	// Turn the first entry into a PAX extended header: typeflag 'x', new checksum.
	data[156] = tar.TypeXHeader
	copy(data[148:156], "        ")
	sum := 0
	for _, b := range data[:512] {
		sum += int(b)
	}
	copy(data[148:156], fmt.Sprintf("%06o\x00 ", sum))
	tr := tar.NewReader(bytes.NewReader(data))
	if hdr, err := tr.Next(); err != nil || hdr.Size != 1<<40 {
		t.Fatalf("the test's sparse entry reads as %+v, %v", hdr, err)
	}
	_, err := unpack(context.Background(), bytes.NewReader(data), t.TempDir(), unpackLimits{MaxBytes: 1 << 20, MaxEntries: 10})
	if !errors.Is(err, errLimit) {
		t.Fatalf("unpack of a 1 TiB sparse file: %v, want the size limit", err)
	}
}
