package pvbinder

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// Event reasons and messages, as Kubernetes' persistentvolume-controller
// records them on volumes.
const (
	reasonVolumeFailedDelete  = "VolumeFailedDelete"
	reasonVolumeFailedRecycle = "VolumeFailedRecycle"

	msgNoDeleter    = "error getting deleter volume plugin for volume %q: no deletable volume plugin matched"
	msgNoRecycler   = "No recycler plugin found for the volume!"
	msgModeMismatch = "Cannot bind PersistentVolume to requested PersistentVolumeClaim %q due to incompatible volumeMode."
)

// decideVolume is the volume half of Kubernetes' PV controller. claim is
// the claim the volume's claimRef names, as the API server has it (the
// caller reads past a stale cache before it passes nil): nil when that
// claim is gone.
func decideVolume(v *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) volumePlan {
	ref := v.Spec.ClaimRef
	switch {
	case ref == nil, ref.UID == "":
		// Unused, or reserved for a claim by name: free to bind.
		return withPhase(v, corev1.VolumeAvailable, "")
	case claim == nil || claim.UID != ref.UID:
		return released(v)
	case claim.Spec.VolumeName == "":
		if volumehelpers.CheckVolumeModeMismatches(&claim.Spec, &v.Spec) {
			return volumePlan{event: warning(reasonVolumeMismatch, fmt.Sprintf(msgModeMismatch, claim.Name))}
		}
		// Bound on the volume's side only (a provisioner's volume, or a
		// bind cut short): the claim's sync completes it.
		return volumePlan{syncClaim: true}
	case claim.Spec.VolumeName == v.Name:
		return withPhase(v, corev1.VolumeBound, "")
	case v.Annotations[volumehelpers.AnnDynamicallyProvisioned] != "" && v.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete:
		// Provisioned for a claim that was then bound to another volume:
		// nobody needs it.
		return released(v)
	case v.Annotations[volumehelpers.AnnBoundByController] != "":
		// This controller reserved it for a claim that went elsewhere.
		return volumePlan{unbind: true, phase: corev1.VolumeAvailable}
	}
	return volumePlan{} // pre-bound by the user to a claim bound elsewhere: leave it alone
}

// released is what happens to a volume whose claim is gone, by its reclaim
// policy: Retain keeps it Released for an administrator; Delete of a
// provisioned volume is its provisioner's job (it watches for Released);
// anything else ordo cannot delete or recycle, so the volume Fails.
func released(v *corev1.PersistentVolume) volumePlan {
	if v.Status.Phase == corev1.VolumeReleased || v.Status.Phase == corev1.VolumeFailed {
		return volumePlan{}
	}
	switch v.Spec.PersistentVolumeReclaimPolicy {
	case corev1.PersistentVolumeReclaimDelete:
		if v.Annotations[volumehelpers.AnnDynamicallyProvisioned] != "" {
			return withPhase(v, corev1.VolumeReleased, "")
		}
		msg := fmt.Sprintf(msgNoDeleter, v.Name)
		return volumePlan{phase: corev1.VolumeFailed, message: msg, event: warning(reasonVolumeFailedDelete, msg)}
	case corev1.PersistentVolumeReclaimRecycle:
		return volumePlan{phase: corev1.VolumeFailed, message: msgNoRecycler, event: warning(reasonVolumeFailedRecycle, msgNoRecycler)}
	}
	return withPhase(v, corev1.VolumeReleased, "")
}

// withPhase asks for phase unless the volume is in it already.
func withPhase(v *corev1.PersistentVolume, phase corev1.PersistentVolumePhase, message string) volumePlan {
	if v.Status.Phase == phase && v.Status.Message == message {
		return volumePlan{}
	}
	return volumePlan{phase: phase, message: message}
}
