package imagetest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// BusyboxPath is the static busybox the images are built from (Debian's
// busybox-static; install-test-deps installs it).
const BusyboxPath = "/bin/busybox"

// AppUID and AppGID are the ids of the non-root user "app" of BusyboxFiles.
const (
	AppUID = 1000
	AppGID = 1000
)

// BusyboxFiles is a minimal root file system laid out as Debian's (merged
// /usr: /bin, /sbin are symlinks to usr/bin, usr/sbin): /usr/bin/busybox with
// a symlink for each applet (sh, echo, cat, ls, id, sleep, env, wget, nc…),
// /etc/passwd and /etc/group with root, nobody and a non-root user app
// (1000:1000, home /home/app), /tmp (1777) and the usual empty directories.
// Tests add their own files to the map before making a layer of it.
func BusyboxFiles() (map[string]File, error) {
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return nil, fmt.Errorf("read %s (install busybox-static): %w", BusyboxPath, err)
	}
	out, err := exec.Command(BusyboxPath, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %w", BusyboxPath, err)
	}
	files := map[string]File{
		"bin":             Symlink("usr/bin"),
		"sbin":            Symlink("usr/sbin"),
		"usr/bin/busybox": {Contents: bin, Mode: 0o755},
		"etc/passwd": Text("root:x:0:0:root:/root:/bin/sh\n"+
			"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"+
			fmt.Sprintf("app:x:%d:%d:app:/home/app:/bin/sh\n", AppUID, AppGID), 0o644),
		"etc/group": Text("root:x:0:\nnogroup:x:65534:\n"+fmt.Sprintf("app:x:%d:\n", AppGID), 0o644),
		"tmp":       Dir(0o1777),
		"root":      Dir(0o700),
		"home/app":  {Type: Directory, Mode: 0o755, UID: AppUID, GID: AppGID},
	}
	for _, d := range []string{"usr", "usr/bin", "usr/sbin", "usr/local", "usr/local/bin", "etc", "home", "var", "var/log", "dev", "proc", "sys"} {
		files[d] = Dir(0o755)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(p, "..") {
			continue
		}
		// bin/x and sbin/x go to usr/bin/x and usr/sbin/x, behind the symlinks.
		if strings.HasPrefix(p, "bin/") || strings.HasPrefix(p, "sbin/") {
			p = "usr/" + p
		}
		if p == "usr/bin/busybox" {
			continue
		}
		files[p] = Symlink("/usr/bin/busybox")
	}
	return files, nil
}

// BusyboxLayer is a gzip layer of BusyboxFiles.
func BusyboxLayer() (v1.Layer, error) {
	files, err := BusyboxFiles()
	if err != nil {
		return nil, err
	}
	return Layer(files)
}

// Busybox is an image of BusyboxLayer with Cmd ["sh"] and a PATH, as
// Docker Hub's busybox.
func Busybox() (v1.Image, error) {
	l, err := BusyboxLayer()
	if err != nil {
		return nil, err
	}
	return Image(v1.Config{
		Cmd: []string{"sh"},
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	}, l)
}

// BusyboxWith is an image of two layers, BusyboxLayer and a layer of files,
// with cfg (its Env defaults to Busybox's PATH): the usual shape of a test
// image whose program exists only inside it.
func BusyboxWith(files map[string]File, cfg v1.Config) (v1.Image, error) {
	base, err := BusyboxLayer()
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
