package volume

import (
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"

	"github.com/ordo-dev/ordo/internal/storageclass"
)

// localPathMode lets pods running as any user write to their volume, as
// Rancher's local-path-provisioner makes its directories.
const localPathMode = 0o777

// LocalPathDir is the directory of an ordo.dev/local-path volume on the
// node whose volumes directory is root: root/<volume name>, which is where
// the provisioner puts every volume it pins to a node. It is "" for any
// other volume, and for one whose path was edited to lead elsewhere: the
// agent makes and removes only directories of its own under root.
func LocalPathDir(pv *corev1.PersistentVolume, root string) string {
	if root == "" || pv.Annotations[volumehelpers.AnnDynamicallyProvisioned] != storageclass.LocalPath || pv.Spec.HostPath == nil {
		return ""
	}
	dir := filepath.Join(root, pv.Name)
	if pv.Spec.HostPath.Path != dir {
		return ""
	}
	return dir
}

// makeLocalPathDir makes the directory of a local-path volume of this
// node when it is first mounted: the provisioner, on a server that may be
// another machine, only names the path.
func (m *Manager) makeLocalPathDir(pv *corev1.PersistentVolume) error {
	dir := LocalPathDir(pv, m.cfg.LocalVolumes)
	if dir == "" {
		return nil
	}
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, localPathMode); err != nil {
		return err
	}
	return os.Chmod(dir, localPathMode) // past the umask
}
