package volume

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestOverlayLowersAreTopFirstOverTheBase(t *testing.T) {
	got := overlayLowers([]string{"/l/base", "/l/mid", "/l/top"}, "/empty")
	if want := []string{"/l/top", "/l/mid", "/l/base", "/empty"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// imageVolumePod has an image volume "data" mounted by its container "c",
// at /data and (subPath "dir") at /sub.
func imageVolumePod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "uid-img"},
		Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				Image: &corev1.ImageVolumeSource{Reference: "registry.example/data:1", PullPolicy: corev1.PullIfNotPresent}}}},
			Containers: []corev1.Container{{Name: "c", VolumeMounts: []corev1.VolumeMount{
				{Name: "data", MountPath: "/data"}, {Name: "data", MountPath: "/sub", SubPath: "dir"}}}},
		},
	}
}

// TestImageVolumeIsAReadOnlyNoexecOverlayOfTheLayers mounts a two-layer
// and a one-layer image: the upper layer's files win, a whiteout hides,
// nothing can be written or run, a second PrepareImage keeps the mount,
// and RemovePodDir unmounts it before deleting, leaving the layers.
func TestImageVolumeIsAReadOnlyNoexecOverlayOfTheLayers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	layers := t.TempDir()
	base, top := filepath.Join(layers, "base"), filepath.Join(layers, "top")
	write(t, filepath.Join(base, "dir", "file"), "base\n")
	write(t, filepath.Join(base, "gone"), "hidden\n")
	write(t, filepath.Join(top, "dir", "file"), "top\n")
	if err := unix.Mknod(filepath.Join(top, "gone"), unix.S_IFCHR, 0); err != nil { // an overlayfs whiteout
		t.Fatal(err)
	}
	m, _ := newTestManager(t)
	p := imageVolumePod()
	dir, err := m.PrepareImage(p, "data", []string{base, top})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { UnmountUnder(dir) })
	if b, err := os.ReadFile(filepath.Join(dir, "dir", "file")); err != nil || string(b) != "top\n" {
		t.Fatalf("dir/file: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gone")); !os.IsNotExist(err) {
		t.Fatalf("a whiteout's file shows: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "new"), nil, 0o644); !errors.Is(err, unix.EROFS) {
		t.Fatalf("write in an image volume: %v, want EROFS", err)
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	for _, f := range []int64{unix.ST_RDONLY, unix.ST_NOEXEC, unix.ST_NOSUID, unix.ST_NODEV} {
		if fs.Flags&f == 0 {
			t.Errorf("mount flags %#x lack %#x", fs.Flags, f)
		}
	}
	if got, ok := m.MountedImage(p, "data"); !ok || got != dir {
		t.Fatalf("MountedImage: %q, %v", got, ok)
	}
	if _, ok := m.MountedImage(p, "other"); ok {
		t.Fatal("MountedImage of a volume never mounted")
	}
	if again, err := m.PrepareImage(p, "data", []string{base, top}); err != nil || again != dir {
		t.Fatalf("prepared again: %q, %v", again, err)
	}
	if mounts, _ := mountsUnder(dir); len(mounts) != 1 {
		t.Fatalf("mounts at %s after two PrepareImage: %v", dir, mounts)
	}
	one, err := m.PrepareImage(p, "one", []string{base})
	if err != nil {
		t.Fatalf("a one-layer image: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(one, "gone")); err != nil || string(b) != "hidden\n" {
		t.Fatalf("one-layer image's file: %q, %v", b, err)
	}
	if err := RemovePodDir(m.cfg.PodDir(p)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(base, "dir", "file")); err != nil {
		t.Fatalf("removing the pod's directory reached the image's layers: %v", err)
	}
}

func TestImageVolumeMountsAreReadOnlyAndItsSubPathMustExist(t *testing.T) {
	p := imageVolumePod()
	vol := t.TempDir()
	if err := os.Mkdir(filepath.Join(vol, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	mounts, err := ContainerMounts(p, &p.Spec.Containers[0], map[string]string{"data": vol}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, mt := range mounts {
		if !mt.ReadOnly {
			t.Errorf("%s is writable", mt.Target)
		}
	}
	if mounts[1].Source != filepath.Join(vol, "dir") {
		t.Errorf("subPath source %s", mounts[1].Source)
	}
	p.Spec.Containers[0].VolumeMounts[1].SubPath = "missing"
	_, err = ContainerMounts(p, &p.Spec.Containers[0], map[string]string{"data": vol}, nil, nil)
	if err == nil || !errors.Is(err, os.ErrNotExist) ||
		!strings.Contains(err.Error(), `failed to prepare subPath for volumeMount "data" of image volume "data"`) {
		t.Fatalf("a missing subPath: %v", err)
	}
	if _, err := os.Stat(filepath.Join(vol, "missing")); !os.IsNotExist(err) {
		t.Fatalf("the missing subPath was made: %v", err)
	}
}

// TestImageSubPathSymlinksResolveInsideTheImage: an image's symlinks are
// the image's paths, so a subPath through one never reaches the host's.
func TestImageSubPathSymlinksResolveInsideTheImage(t *testing.T) {
	vol := t.TempDir()
	write(t, filepath.Join(vol, "dir", "file"), "x")
	for name, target := range map[string]string{"abs": "/dir", "up": "../../../../dir", "hostetc": "/etc"} {
		if err := os.Symlink(target, filepath.Join(vol, name)); err != nil {
			t.Fatal(err)
		}
	}
	real, _ := filepath.EvalSymlinks(vol)
	for sub, want := range map[string]string{"abs": "dir", "up/file": "dir/file", "dir/../dir": "dir"} {
		if got, err := imageSubPath(vol, sub); err != nil || got != filepath.Join(real, want) {
			t.Errorf("%s: %q, %v; want %s", sub, got, err, want)
		}
	}
	if got, err := imageSubPath(vol, "hostetc/passwd"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a link to /etc reached %q (%v)", got, err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
