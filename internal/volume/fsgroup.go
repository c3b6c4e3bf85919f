package volume

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"

	"github.com/ordo-dev/ordo/internal/storageclass"
)

// Volume ownership under the pod's securityContext.fsGroup, as the
// kubelet's SetVolumeOwnership does it: every file and directory of the
// volume gets the group, directories get the setgid bit (so what a
// container creates there is in the group too), and the permission bits
// are OR'd with rw-rw---- (r--r----- for the read-only API-data volumes:
// secret, configMap, downwardAPI, projected). fsGroupChangePolicy
// OnRootMismatch skips the walk when the volume's root already has the
// group and the bits. The group is also a supplemental group of every
// container's processes (securitycontext.go).
//
// As in Kubernetes, emptyDir, the API-data volumes and persistent
// volumes whose driver manages ownership get it, and hostPath does not:
// here that is a PersistentVolume of type local or one ordo's local-path
// provisioner made, not a hostPath PersistentVolume a user wrote.

const (
	fsGroupWritable = 0o660
	fsGroupReadOnly = 0o440
	fsGroupDirExec  = 0o110
)

// fsGroupOf is the pod's fsGroup and change policy, or nil.
func fsGroupOf(p *corev1.Pod) (*int64, corev1.PodFSGroupChangePolicy) {
	sc := p.Spec.SecurityContext
	if sc == nil || sc.FSGroup == nil {
		return nil, ""
	}
	policy := corev1.FSGroupChangeAlways
	if sc.FSGroupChangePolicy != nil {
		policy = *sc.FSGroupChangePolicy
	}
	return sc.FSGroup, policy
}

// ownsVolumeOwnership: a PersistentVolume whose files ordo may hand to a
// pod's fsGroup.
func ownsVolumeOwnership(pv *corev1.PersistentVolume) bool {
	return pv.Spec.Local != nil || pv.Annotations[volumehelpers.AnnDynamicallyProvisioned] == storageclass.LocalPath
}

// applyFSGroup gives the volume at dir to the pod's fsGroup, if it has one.
func applyFSGroup(p *corev1.Pod, dir string, readOnly bool) error {
	gid, policy := fsGroupOf(p)
	if gid == nil {
		return nil
	}
	bits := os.FileMode(fsGroupWritable)
	if readOnly {
		bits = fsGroupReadOnly
	}
	if policy == corev1.FSGroupChangeOnRootMismatch && rootMatches(dir, *gid, bits) {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(path, -1, int(*gid)); err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil // a symlink's own mode means nothing; its target is walked
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode().Perm() | bits
		if info.Mode()&os.ModeSticky != 0 {
			mode |= os.ModeSticky
		}
		if d.IsDir() {
			mode |= os.ModeSetgid | fsGroupDirExec
		} else if info.Mode()&os.ModeSetgid != 0 {
			mode |= os.ModeSetgid
		}
		return os.Chmod(path, mode)
	})
}

// rootMatches: dir is already the group's, with the bits and setgid.
func rootMatches(dir string, gid int64, bits os.FileMode) bool {
	info, err := os.Stat(dir)
	if err != nil {
		return false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int64(st.Gid) == gid && info.Mode().Perm()&bits == bits && info.Mode()&os.ModeSetgid != 0
}
