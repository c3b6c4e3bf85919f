package volume

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Modes of the tmpfs roots. An emptyDir with medium Memory is a scratch
// space any container user may write, as the kubelet's tmpfs (mounted without
// a mode: 1777) is. Secret, projected and downwardAPI volumes are mounted
// read-only in containers and only the agent writes them: 0755.
const (
	scratchTmpfsMode = 0o1777
	apiDataTmpfsMode = 0o755
)

// tmpfsConfig is one memory-backed volume to mount.
type tmpfsConfig struct {
	dir  string
	mode os.FileMode
	// size is the tmpfs size in bytes; 0 leaves the kernel's default (half
	// of RAM).
	size int64
}

// ensureTmpfs mounts a tmpfs at c.dir unless one is there already (an agent
// restarted under a running pod keeps the pod's memory volumes, as the
// kubelet does). nosuid and nodev: nothing a pod writes there can gain
// privileges or open host devices.
func ensureTmpfs(c tmpfsConfig) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	if mounted, err := isMountOf(c.dir, unix.TMPFS_MAGIC); err != nil || mounted {
		return err
	}
	opts := fmt.Sprintf("mode=%o", c.mode)
	if c.size > 0 {
		opts += fmt.Sprintf(",size=%d", c.size)
	}
	if err := unix.Mount("tmpfs", c.dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount tmpfs at %s: %w", c.dir, err)
	}
	return nil
}

// isMountOf says whether a file system of type magic (TMPFS_MAGIC, ...) is
// mounted at dir itself. It asks the kernel about dir and its parent (a
// mount point has a device of its own) rather than reading mountinfo, which
// is called for every memory volume of every pod at each refresh and grows
// with the number of pods.
func isMountOf(dir string, magic int64) (bool, error) {
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		return false, err
	}
	if int64(fs.Type) != magic {
		return false, nil
	}
	var self, parent unix.Stat_t
	if err := unix.Stat(dir, &self); err != nil {
		return false, err
	}
	if err := unix.Stat(filepath.Dir(dir), &parent); err != nil {
		return false, err
	}
	return self.Dev != parent.Dev, nil
}

// mount is one line of /proc/self/mountinfo.
type mount struct{ point, fstype string }

// mountsUnder lists the mounts at dir or below it, deepest first (the order
// to unmount them in). mountinfo lists every mount of the host's namespace,
// more with every pod running, so lines that cannot be under dir are
// skipped before they are parsed.
func mountsUnder(dir string) ([]mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mount
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	escaped := []byte(escapeOctal(dir))
	for sc.Scan() {
		if !bytes.Contains(sc.Bytes(), escaped) {
			continue
		}
		m, ok := parseMountInfo(sc.Text())
		if ok && (m.point == dir || strings.HasPrefix(m.point, dir+"/")) {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].point) > len(out[j].point) })
	return out, sc.Err()
}

// escapeOctal escapes a path as mountinfo does (space, tab, newline and
// backslash as \ooo), so a raw line can be searched for it.
func escapeOctal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\\':
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// parseMountInfo reads the mount point (field 5) and the file system type
// (the first field after " - ") of a mountinfo line.
func parseMountInfo(line string) (mount, bool) {
	pre, post, ok := strings.Cut(line, " - ")
	fields, tail := strings.Fields(pre), strings.Fields(post)
	if !ok || len(fields) < 5 || len(tail) < 1 {
		return mount{}, false
	}
	return mount{point: unescapeOctal(fields[4]), fstype: tail[0]}, true
}

// unescapeOctal undoes mountinfo's \040-style escapes of spaces, tabs,
// newlines and backslashes.
func unescapeOctal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')*64 + (s[i+2]-'0')*8 + (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

// UnmountUnder unmounts everything mounted at dir or below it. A busy mount
// is detached (it goes once the last user lets go).
func UnmountUnder(dir string) error {
	_, err := unmountUnder(dir)
	return err
}

// unmountUnder is UnmountUnder, also saying how many mounts it found.
func unmountUnder(dir string) (int, error) {
	mounts, err := mountsUnder(dir)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, m := range mounts {
		err := unix.Unmount(m.point, 0)
		if errors.Is(err, unix.EBUSY) {
			err = unix.Unmount(m.point, unix.MNT_DETACH)
		}
		if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m.point, err))
		}
	}
	return len(mounts), errors.Join(errs...)
}

// RemovePodDir unmounts the pod's memory volumes and deletes its directory
// (all of it, whatever else the caller keeps there).
// If something stays mounted the directory is kept: deleting through a
// mount would delete what it shows. A directory that is already gone, or
// had nothing mounted, costs no second read of the mount table, which
// grows with the pods of the whole host.
func RemovePodDir(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	n, err := unmountUnder(dir)
	if err != nil {
		return err
	}
	if n > 0 {
		if left, err := mountsUnder(dir); err != nil || len(left) > 0 {
			return fmt.Errorf("%s still has mounts (%v), not removing it", dir, left)
		}
	}
	return os.RemoveAll(dir)
}

// memoryVolumeSize is the size of a pod's memory-backed volume, as the
// kubelet computes it: node allocatable memory, lowered to the pod's memory
// limit (when every container has one) and then to the volume's sizeLimit.
func memoryVolumeSize(p *corev1.Pod, sizeLimit *resource.Quantity, allocatable int64) int64 {
	size := allocatable
	if lim := podMemoryLimit(p); lim > 0 && (size <= 0 || lim < size) {
		size = lim
	}
	if sizeLimit != nil && sizeLimit.Value() > 0 && (size <= 0 || sizeLimit.Value() < size) {
		size = sizeLimit.Value()
	}
	return size
}

// podMemoryLimit is the most memory the pod's containers may use together:
// the larger of the app containers' sum and the largest init container, or
// 0 when any container has no memory limit.
func podMemoryLimit(p *corev1.Pod) int64 {
	limit := func(c corev1.Container) (int64, bool) {
		q, ok := c.Resources.Limits[corev1.ResourceMemory]
		return q.Value(), ok
	}
	var sum int64
	for _, c := range p.Spec.Containers {
		v, ok := limit(c)
		if !ok {
			return 0
		}
		sum += v
	}
	for _, c := range p.Spec.InitContainers {
		v, ok := limit(c)
		if !ok {
			return 0
		}
		sum = max(sum, v)
	}
	return sum
}
