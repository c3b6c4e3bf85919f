package runtime

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Mount is one bind mount into a container: a volume, or a pod file such as
// /etc/hosts.
type Mount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly"`
}

// scratch is where, inside the container's own mount namespace, the new root
// is assembled. /tmp is a fresh tmpfs there, so nothing reaches the host.
const (
	scratch = "/tmp"
	newRoot = scratch + "/root"
	oldRoot = "/.ordo-old-root"
)

// buildRoot gives the container its root: an overlay whose lower layer is the
// host's root file system (never written) and whose upper layer is a tmpfs
// that dies with the container — the container's writable layer. The host's
// other real mounts appear read-only, /dev, /proc and /sys as a container
// sees them, a fresh /tmp and /dev/shm, then the pod's files and volumes.
// Finally the container pivots into it.
func buildRoot(mounts []Mount) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %v", err)
	}
	hostMounts, err := readMountPoints()
	if err != nil {
		return err
	}
	// Hold every source open first: the scratch tmpfs is about to cover
	// /tmp, where a data directory (and so a volume) may live.
	sources, err := openSources(mounts)
	if err != nil {
		return err
	}
	defer closeAll(sources)
	if err := mountOverlay(); err != nil {
		return err
	}
	if err := mountSystem(); err != nil {
		return err
	}
	for _, m := range hostMounts {
		if err := bindInto(Mount{Source: m, Target: m, ReadOnly: true}, m, false); err != nil {
			return err
		}
	}
	for i, m := range mounts {
		if err := bindInto(m, fmt.Sprintf("/proc/self/fd/%d", sources[i]), true); err != nil {
			return err
		}
	}
	return pivot()
}

// openSources opens each mount source as an O_PATH descriptor.
func openSources(mounts []Mount) ([]int, error) {
	fds := make([]int, 0, len(mounts))
	for _, m := range mounts {
		fd, err := unix.Open(m.Source, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			closeAll(fds)
			return nil, fmt.Errorf("volume source %s: %v", m.Source, err)
		}
		fds = append(fds, fd)
	}
	return fds, nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

func mountOverlay() error {
	if err := unix.Mount("tmpfs", scratch, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
		return fmt.Errorf("mount scratch tmpfs: %v", err)
	}
	for _, d := range []string{"upper", "work", "root"} {
		if err := os.Mkdir(filepath.Join(scratch, d), 0o755); err != nil {
			return err
		}
	}
	opts := fmt.Sprintf("lowerdir=/,upperdir=%s/upper,workdir=%s/work", scratch, scratch)
	if err := unix.Mount("overlay", newRoot, "overlay", 0, opts); err != nil {
		return fmt.Errorf("mount root overlay: %v", err)
	}
	return nil
}

// mountSystem mounts /dev (the host's devices), a new /proc for the
// container's PID namespace, /sys read-only, and private /tmp and /dev/shm.
func mountSystem() error {
	steps := []struct {
		src, target, fstype string
		flags               uintptr
		data                string
	}{
		{"/dev", "/dev", "", unix.MS_BIND | unix.MS_REC, ""},
		{"proc", "/proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
		{"/sys", "/sys", "", unix.MS_BIND | unix.MS_REC, ""},
		{"tmpfs", "/tmp", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"},
		{"tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, "mode=1777"},
	}
	for _, s := range steps {
		target := filepath.Join(newRoot, s.target)
		if err := os.MkdirAll(target, 0o755); err != nil {
			return fmt.Errorf("mount point %s: %v", s.target, err)
		}
		if err := unix.Mount(s.src, target, s.fstype, s.flags, s.data); err != nil {
			return fmt.Errorf("mount %s: %v", s.target, err)
		}
	}
	return readOnly(filepath.Join(newRoot, "/sys"))
}

// bindInto bind-mounts m (read through source, a path or /proc/self/fd
// link) at its target under the new root, creating the mount point (a
// directory, or an empty file for a file) in the writable layer when missing.
func bindInto(m Mount, source string, create bool) error {
	target := filepath.Join(newRoot, m.Target)
	info, err := os.Stat(source)
	if err != nil {
		return fmt.Errorf("volume source %s: %v", m.Source, err)
	}
	if _, err := os.Lstat(target); os.IsNotExist(err) {
		if !create {
			return nil
		}
		if err := makeMountPoint(target, info.IsDir()); err != nil {
			return fmt.Errorf("create mount point %s: %v", m.Target, err)
		}
	}
	if err := unix.Mount(source, target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s at %s: %v", m.Source, m.Target, err)
	}
	if m.ReadOnly {
		return readOnly(target)
	}
	return nil
}

func makeMountPoint(path string, dir bool) error {
	if dir {
		return os.MkdirAll(path, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

// readOnly makes a mount and everything below it read-only.
func readOnly(path string) error {
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(-1, path, unix.AT_RECURSIVE, attr); err != nil {
		return fmt.Errorf("make %s read-only: %v", path, err)
	}
	return nil
}

// pivot makes the new root the container's / and drops the old one.
func pivot() error {
	put := filepath.Join(newRoot, oldRoot)
	if err := os.MkdirAll(put, 0o700); err != nil {
		return err
	}
	if err := unix.PivotRoot(newRoot, put); err != nil {
		return fmt.Errorf("pivot_root: %v", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	if err := unix.Unmount(oldRoot, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %v", err)
	}
	return os.Remove(oldRoot)
}

// readMountPoints lists the host's real mounts besides / that a container
// should see read-only: not the pseudo file systems it gets its own of.
func readMountPoints() ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescape(fields[4])
		if mp == "/" || seen[mp] || underSystem(mp) {
			continue
		}
		seen[mp] = true
		out = append(out, mp)
	}
	sort.Strings(out) // parents before children
	return out, sc.Err()
}

func underSystem(mp string) bool {
	for _, p := range []string{"/proc", "/sys", "/dev", "/tmp", "/run"} {
		if mp == p || strings.HasPrefix(mp, p+"/") {
			return true
		}
	}
	return false
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var c byte
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &c); err == nil {
				b.WriteByte(c)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
