package volume

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// persistentVolumePath finds the node path behind a persistentVolumeClaim
// volume: the claim must be bound to a PersistentVolume (status Bound, or
// pre-bound by the user through spec.volumeName with the volume's claimRef
// naming the claim or empty), and the volume must be one a single machine
// can serve: hostPath or local. The pvbinder controller binds claims
// (to volumes the local provisioner makes, for one); an unbound claim
// fails the mount and the agent tries again.
// persistentVolumePath is the node path of a claim's volume, and whether
// ordo manages its ownership (fsgroup.go).
func (m *Manager) persistentVolumePath(ctx context.Context, p *corev1.Pod, src *corev1.PersistentVolumeClaimVolumeSource) (string, bool, error) {
	pvc, err := m.cfg.Client.CoreV1().PersistentVolumeClaims(p.Namespace).Get(ctx, src.ClaimName, metav1.GetOptions{})
	if err != nil {
		return "", false, err
	}
	if pvc.Spec.VolumeName == "" {
		return "", false, fmt.Errorf("persistentvolumeclaim %q is not bound", src.ClaimName)
	}
	pv, err := m.cfg.Client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return "", false, err
	}
	if ref := pv.Spec.ClaimRef; ref != nil && (ref.Namespace != pvc.Namespace || ref.Name != pvc.Name || (ref.UID != "" && ref.UID != pvc.UID)) {
		return "", false, fmt.Errorf("persistentvolume %q is bound to another claim (%s/%s)", pv.Name, ref.Namespace, ref.Name)
	}
	if err := m.makeLocalPathDir(pv); err != nil {
		return "", false, err
	}
	path, err := volumeSourcePath(pv)
	return path, ownsVolumeOwnership(pv), err
}

// volumeSourcePath is the node path of a PersistentVolume ordo can mount.
func volumeSourcePath(pv *corev1.PersistentVolume) (string, error) {
	switch {
	case pv.Spec.HostPath != nil:
		return pv.Spec.HostPath.Path, checkHostPath(pv.Spec.HostPath)
	case pv.Spec.Local != nil:
		return pv.Spec.Local.Path, checkHostPath(&corev1.HostPathVolumeSource{Path: pv.Spec.Local.Path, Type: ptrType(corev1.HostPathDirectory)})
	}
	return "", fmt.Errorf("persistentvolume %q: only hostPath and local volumes can be mounted by ordo", pv.Name)
}

func ptrType(t corev1.HostPathType) *corev1.HostPathType { return &t }
