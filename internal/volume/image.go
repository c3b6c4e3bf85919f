package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// Image volumes (volumes[].image) are an image's file system: Kubernetes
// mounts the image's layers, merged as for a container's root, read-only
// and noexec in the containers that mount the volume. ordo mounts a
// read-only overlay of the layers the image store unpacked (lowerdirs only,
// no upper layer) at the volume's directory; the agent pulls the image and
// holds it while the pod lives, and hands the layers to PrepareImage.
// The overlay is a mount under the pod's directory like the tmpfs volumes,
// so Release and RemovePodDir unmount it (never deleting through it), and
// it survives an agent restart, when PrepareImage finds it again.

// imageMountAttrs are the overlay's mount flags: nothing in the image can be
// written, run, gain privileges or open host devices through the volume.
const imageMountAttrs = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV

// PrepareImage mounts the image volume name of the pod from the image's
// layers (absolute directories, base first) and returns its host path.
// It is idempotent: an overlay already mounted there (an agent restarted
// under the pod) is kept as it is, so the pod sees one image all its life.
// An error is a *SetUpError.
func (m *Manager) PrepareImage(p *corev1.Pod, name string, layers []string) (string, error) {
	dir := m.volumeDir(p, name)
	if err := mountImage(dir, layers); err != nil {
		return "", &SetUpError{Volume: name, Err: err}
	}
	return dir, nil
}

// MountedImage is the image volume's host path when its overlay is mounted
// already: an agent restarted under the pod finds it there, and the pod
// keeps the image it started with (its lease on it survives too).
func (m *Manager) MountedImage(p *corev1.Pod, name string) (string, bool) {
	dir := m.volumeDir(p, name)
	mounted, err := isMountOf(dir, unix.OVERLAYFS_SUPER_MAGIC)
	return dir, err == nil && mounted
}

// IsImage reports whether v is an image volume, which Prepare leaves to
// PrepareImage (the agent pulls its image first).
func IsImage(v *corev1.Volume) bool { return v.Image != nil }

// mountImage mounts a read-only overlay of layers at dir unless one is
// there already.
func mountImage(dir string, layers []string) error {
	if len(layers) == 0 {
		return errors.New("the image has no layers")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if mounted, err := isMountOf(dir, unix.OVERLAYFS_SUPER_MAGIC); err != nil || mounted {
		return err
	}
	// overlayfs wants two lower layers when there is no upper one: an
	// empty directory below the image's base makes a one-layer image
	// mountable and changes nothing in the others.
	empty := filepath.Join(filepath.Dir(filepath.Dir(dir)), "image-volume-base")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		return err
	}
	return mountOverlay(dir, overlayLowers(layers, empty))
}

// overlayLowers is the overlay's lower directories, top first as overlayfs
// takes them: the image's layers from the top down, then bottom.
func overlayLowers(layers []string, bottom string) []string {
	out := slices.Clone(layers)
	slices.Reverse(out)
	return append(out, bottom)
}

// mountOverlay mounts a read-only overlay of lowers (top first) at dir
// with the new mount API: each lower directory is its own "lowerdir+"
// parameter (kernel 6.8), so an image of many layers is not limited by
// the one page of mount(2)'s option string.
func mountOverlay(dir string, lowers []string) error {
	fsfd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("fsopen overlay: %w", err)
	}
	defer unix.Close(fsfd)
	for _, l := range lowers {
		if err := unix.FsconfigSetString(fsfd, "lowerdir+", l); err != nil {
			return fmt.Errorf("overlay lowerdir+ %s: %w (the kernel needs 6.8 or later for image volumes)", l, err)
		}
	}
	if err := unix.FsconfigSetFlag(fsfd, "ro"); err != nil {
		return fmt.Errorf("overlay ro: %w", err)
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return fmt.Errorf("create the overlay of %d layers: %w", len(lowers)-1, err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, imageMountAttrs)
	if err != nil {
		return fmt.Errorf("fsmount overlay: %w", err)
	}
	defer unix.Close(mfd)
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, dir, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("mount the overlay at %s: %w", dir, err)
	}
	return nil
}

// imageSubPath is where subPath sub of the image volume at root is on the
// host, its symlinks resolved inside the image (an absolute link is the
// image's own path, as in a container), so that a link in an image can
// never mount a host path into a container. The volume is read-only, so
// what this resolves stays what is mounted.
func imageSubPath(root, sub string) (string, error) {
	rfd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(rfd)
	real, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(rfd))
	if err != nil {
		return "", err
	}
	fd, err := unix.Openat2(rfd, sub, &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV})
	if err != nil {
		return "", &os.PathError{Op: "open", Path: sub, Err: err}
	}
	defer unix.Close(fd)
	path, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return "", err
	}
	if path != real && !strings.HasPrefix(path, real+"/") {
		return "", fmt.Errorf("subPath %q resolves outside the volume, to %s", sub, path)
	}
	return path, nil
}
