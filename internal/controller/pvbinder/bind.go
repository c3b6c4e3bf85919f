package pvbinder

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// A bind writes, in Kubernetes' order, so that a crash between any two
// steps leaves state the next sync completes (see decideBoundClaim and
// decideVolume):
//
//	1. volume spec.claimRef = the claim (uid, resourceVersion)
//	2. volume status.phase = Bound
//	3. claim spec.volumeName = the volume, annotation bind-completed
//	4. claim status: phase Bound, capacity and access modes of the volume
//
// Each function below returns the object to write, or nil when that step
// is done already.

// annYes is the value Kubernetes writes into its flag annotations.
const annYes = "yes"

// boundVolume is step 1. A volume whose claimRef the controller fills in
// itself is annotated bound-by-controller, so it can be freed again if the
// claim goes elsewhere.
func boundVolume(v *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) (*corev1.PersistentVolume, error) {
	out, dirty, err := volumehelpers.GetBindVolumeToClaim(v, claim)
	if err != nil || !dirty {
		return nil, err
	}
	return out, nil
}

// boundClaim is step 3: bound-by-controller marks a volumeName the
// controller chose, bind-completed that the bind finished.
func boundClaim(c *corev1.PersistentVolumeClaim, v *corev1.PersistentVolume) *corev1.PersistentVolumeClaim {
	if c.Spec.VolumeName == v.Name && c.Annotations[volumehelpers.AnnBindCompleted] != "" {
		return nil
	}
	out := c.DeepCopy()
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	if out.Spec.VolumeName != v.Name {
		out.Spec.VolumeName = v.Name
		out.Annotations[volumehelpers.AnnBoundByController] = annYes
	}
	out.Annotations[volumehelpers.AnnBindCompleted] = annYes
	return out
}

// boundClaimStatus is step 4: the claim reports what it got, which may be
// more than it asked for.
func boundClaimStatus(c *corev1.PersistentVolumeClaim, v *corev1.PersistentVolume) *corev1.PersistentVolumeClaim {
	capacity := corev1.ResourceList{}
	if q, ok := v.Spec.Capacity[corev1.ResourceStorage]; ok {
		capacity[corev1.ResourceStorage] = q
	}
	if c.Status.Phase == corev1.ClaimBound && reflect.DeepEqual(c.Status.AccessModes, v.Spec.AccessModes) &&
		sameStorage(c.Status.Capacity, capacity) {
		return nil
	}
	out := c.DeepCopy()
	out.Status.Phase = corev1.ClaimBound
	out.Status.AccessModes = v.Spec.AccessModes
	out.Status.Capacity = capacity
	return out
}

func sameStorage(a, b corev1.ResourceList) bool {
	qa, oka := a[corev1.ResourceStorage]
	qb, okb := b[corev1.ResourceStorage]
	return oka == okb && qa.Cmp(qb) == 0 && len(a) == len(b)
}

// unboundVolume frees a volume this controller reserved: no claimRef, no
// bound-by-controller annotation.
func unboundVolume(v *corev1.PersistentVolume) *corev1.PersistentVolume {
	out := v.DeepCopy()
	out.Spec.ClaimRef = nil
	delete(out.Annotations, volumehelpers.AnnBoundByController)
	return out
}
