package image

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzUnpack feeds arbitrary tar streams to the unpacker and checks that,
// accepted or refused, nothing outside the layer directory changes and the
// layer holds no device but whiteouts. Seeds: well-formed layers with every
// kind of entry and the hostile layers of TestUnpackRefuses.
func FuzzUnpack(f *testing.F) {
	if os.Geteuid() != 0 {
		f.Skip("unpacking sets owners and overlay xattrs: run as root")
	}
	for _, seed := range [][]entry{
		{{name: "etc/"}, {name: "etc/passwd", body: "root:x:0:0::/root:/bin/sh\n"}, {name: "bin/sh", typ: tar.TypeSymlink, link: "/bin/busybox"}},
		{{name: "a", body: "x", mode: 0o4755}, {name: "b", typ: tar.TypeLink, link: "a"}, {name: ".wh.c"}, {name: "d/.wh..wh..opq"}},
		{{name: "x", body: "1", pax: map[string]string{"SCHILY.xattr.user.a": "b", "SCHILY.xattr.trusted.overlay.opaque": "y"}}},
		{{name: "../escape", body: "x"}},
		{{name: "root", typ: tar.TypeSymlink, link: "/"}, {name: "root/escape", body: "x"}},
		{{name: "up", typ: tar.TypeSymlink, link: "../outside"}, {name: "up/escape", body: "x"}},
		{{name: "l", typ: tar.TypeLink, link: "../outside/secret"}},
		{{name: "dev/sda", typ: tar.TypeBlock}, {name: "p", typ: tar.TypeFifo}},
		{{name: "e/"}, {name: "e", body: "f"}, {name: "e/", mode: 0o700}},
	} {
		f.Add(tarOf(f, seed...))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkUnpack(t, data) })
}

// FuzzUnpackEntries is FuzzUnpack's structure-aware twin: it builds the
// tar stream from a sequence of entries drawn from a small vocabulary of
// names (whiteouts, "..", absolute paths), types and link targets, so the
// fuzzer explores how symlinks, hard links, directories and whiteouts
// interact instead of how tar headers parse.
func FuzzUnpackEntries(f *testing.F) {
	if os.Geteuid() != 0 {
		f.Skip("unpacking sets owners and overlay xattrs: run as root")
	}
	f.Add([]byte{1, 0, 0, 0, 3, 1, 5, 0, 0, 9, 0, 0})
	f.Add([]byte{3, 0, 6, 0, 0, 2, 0, 0, 4, 3, 1, 0})
	f.Add([]byte{1, 0, 0, 0, 3, 7, 7, 0, 0, 8, 0, 0, 5, 4, 2, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkUnpack(t, tarOf(t, fuzzEntries(data)...))
	})
}

var (
	fuzzComponents = []string{"a", "b", "..", ".", ".wh.a", ".wh..wh..opq", "etc", "", ".wh..."}
	fuzzTargets    = []string{"a", "/", "..", "../..", "/etc", "a/b", "../outside", "b", "/a/b", "outside/secret", "../outside/secret"}
	fuzzTypes      = []byte{tar.TypeReg, tar.TypeDir, tar.TypeSymlink, tar.TypeLink, tar.TypeChar, tar.TypeFifo}
)

// fuzzEntries decodes 4 bytes per entry: type, two name components,
// link target and mode.
func fuzzEntries(data []byte) []entry {
	var out []entry
	for len(data) >= 4 && len(out) < 64 {
		typ := fuzzTypes[int(data[0])%len(fuzzTypes)]
		name := fuzzComponents[int(data[1]&0x0f)%len(fuzzComponents)]
		if data[1]&0x80 != 0 {
			name += "/" + fuzzComponents[int(data[1]>>4&0x07)%len(fuzzComponents)]
		}
		if data[0]&0x80 != 0 {
			name = "/" + name
		}
		e := entry{name: name, typ: typ, link: fuzzTargets[int(data[2])%len(fuzzTargets)], mode: int64(data[3])<<4 | 0o600}
		if typ == tar.TypeReg {
			e.body = "x"
		}
		if typ != tar.TypeDir {
			// tar cannot write a non-directory named with a trailing slash.
			e.name = strings.TrimRight(e.name, "/")
		}
		if e.name == "" {
			e.name = "."
		}
		out = append(out, e)
		data = data[4:]
	}
	return out
}

// checkUnpack unpacks a tar stream and checks that nothing outside the
// layer changed and the layer holds no device but whiteouts.
func checkUnpack(t *testing.T, data []byte) {
	{
		top := t.TempDir()
		dir := filepath.Join(top, "layer")
		outside := filepath.Join(top, "outside")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(outside, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600); err != nil {
			t.Fatal(err)
		}
		unpack(context.Background(), bytes.NewReader(data), dir, unpackLimits{MaxBytes: 1 << 20, MaxEntries: 200})
		entries, _ := os.ReadDir(top)
		if len(entries) != 2 {
			t.Fatalf("the layer's parent has %d entries, want 2", len(entries))
		}
		got, _ := os.ReadDir(outside)
		if len(got) != 1 {
			t.Fatalf("outside has %d entries, want 1", len(got))
		}
		if b, err := os.ReadFile(filepath.Join(outside, "secret")); err != nil || string(b) != "s" {
			t.Fatalf("outside/secret changed: %q, %v", b, err)
		}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.Type()&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) == 0 {
				return nil
			}
			var st unix.Stat_t
			if unix.Lstat(p, &st) == nil && !isWhiteout(st) {
				t.Fatalf("%s: a device other than a whiteout", p)
			}
			return nil
		})
		// t.TempDir's cleanup removes the layer; make its directories
		// writable for it in case a mode forbids.
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
	}
}
