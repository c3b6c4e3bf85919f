package imagetest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// skippedDebianDirs are package contents an image does not need.
var skippedDebianDirs = []string{
	"usr/share/doc/", "usr/share/man/", "usr/share/info/", "usr/share/lintian/",
	"usr/share/bash-completion/", "lib/systemd/", "usr/lib/systemd/", "etc/init.d/",
}

// DebianFiles returns the files of installed Debian packages (`dpkg -L`,
// without documentation and service files) and the shared libraries and
// loader their executables need (`ldd`), read from the host at their
// paths. Symlinks on the way (merged /usr's /lib, the loader's own link)
// are kept as symlinks, so the files work as on the host. Owners are root.
func DebianFiles(pkgs ...string) (map[string]File, error) {
	files := map[string]File{}
	var executables []string
	for _, pkg := range pkgs {
		out, err := exec.Command("dpkg", "-L", pkg).Output()
		if err != nil {
			return nil, fmt.Errorf("dpkg -L %s: %w", pkg, err)
		}
		for _, p := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			rel := strings.TrimPrefix(path.Clean(p), "/")
			if rel == "." || rel == "" || skipped(rel) {
				continue
			}
			if _, err := os.Lstat(p); err != nil {
				continue // listed but removed (a conffile deleted by the admin)
			}
			if err := addHostPath(files, p, 0); err != nil {
				return nil, err
			}
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				executables = append(executables, p)
			}
		}
	}
	for _, exe := range executables {
		libs, err := sharedLibraries(exe)
		if err != nil {
			return nil, err
		}
		for _, lib := range libs {
			if err := addHostPath(files, lib, 0); err != nil {
				return nil, err
			}
		}
	}
	return files, nil
}

func skipped(rel string) bool {
	for _, d := range skippedDebianDirs {
		if strings.HasPrefix(rel+"/", d) {
			return true
		}
	}
	return false
}

// sharedLibraries lists the libraries and loader ldd names for an ELF
// executable; a script or static binary has none.
func sharedLibraries(exe string) ([]string, error) {
	head := make([]byte, 4)
	f, err := os.Open(exe)
	if err != nil {
		return nil, err
	}
	_, _ = f.Read(head)
	f.Close()
	if !bytes.Equal(head, []byte("\x7fELF")) {
		return nil, nil
	}
	out, err := exec.Command("ldd", exe).Output()
	if err != nil {
		return nil, nil // "not a dynamic executable"
	}
	var libs []string
	for _, line := range strings.Split(string(out), "\n") {
		// "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
		fields := strings.Fields(line)
		for i, f := range fields {
			if strings.HasPrefix(f, "/") && (i == 0 || fields[i-1] == "=>") {
				libs = append(libs, f)
			}
		}
	}
	return libs, nil
}

// addHostPath adds the host's file p to files under its path without the
// leading slash, with every directory on the way; a symlink on the way is
// added as a symlink and followed (inside the host's root) to add its target.
func addHostPath(files map[string]File, p string, depth int) error {
	if depth > 40 {
		return fmt.Errorf("%s: too many levels of symbolic links", p)
	}
	parts := strings.Split(strings.TrimPrefix(path.Clean(p), "/"), "/")
	cur := ""
	for i, part := range parts {
		cur = path.Join(cur, part)
		fi, err := os.Lstat("/" + cur)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink("/" + cur)
			if err != nil {
				return err
			}
			files[cur] = Symlink(target)
			if !path.IsAbs(target) {
				target = path.Join("/", path.Dir(cur), target)
			}
			return addHostPath(files, path.Join(append([]string{target}, parts[i+1:]...)...), depth+1)
		case fi.IsDir():
			if _, ok := files[cur]; !ok {
				files[cur] = Dir(int64(fi.Mode().Perm()))
			}
		case fi.Mode().IsRegular() && i == len(parts)-1:
			b, err := os.ReadFile("/" + cur)
			if err != nil {
				return err
			}
			files[cur] = File{Contents: b, Mode: tarMode(fi.Mode())}
		default:
			return nil // devices, sockets: not image content
		}
	}
	return nil
}

// tarMode is a file mode's permission and setuid/setgid/sticky bits as tar
// writes them.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}

// FromDebianPackages is an image of two layers, BusyboxFiles then the
// DebianFiles of pkgs, with the given config: for example
// FromDebianPackages(cfg, "redis-server", "redis-tools") runs seed 000's
// redis-server and redis-cli from an image instead of the host's root.
func FromDebianPackages(cfg v1.Config, pkgs ...string) (v1.Image, error) {
	base, err := BusyboxLayer()
	if err != nil {
		return nil, err
	}
	files, err := DebianFiles(pkgs...)
	if err != nil {
		return nil, err
	}
	top, err := Layer(files)
	if err != nil {
		return nil, err
	}
	if cfg.Env == nil {
		cfg.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	}
	return Image(cfg, base, top)
}
