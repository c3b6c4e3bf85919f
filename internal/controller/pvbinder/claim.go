package pvbinder

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// Event reasons and messages, as Kubernetes' persistentvolume-controller
// records them on claims.
const (
	reasonFailedBinding        = "FailedBinding"
	reasonVolumeMismatch       = "VolumeMismatch"
	reasonProvisioningFailed   = "ProvisioningFailed"
	reasonExternalProvisioning = "ExternalProvisioning"
	reasonWaitForConsumer      = "WaitForFirstConsumer"
	reasonClaimLost            = "ClaimLost"
	reasonClaimMisbound        = "ClaimMisbound"

	msgNoClass          = "no persistent volumes available for this claim and no storage class is set"
	msgWaitForConsumer  = "waiting for first consumer to be created before binding"
	msgExternal         = "Waiting for a volume to be created either by the external provisioner '%s' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."
	msgLostReference    = "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!"
	msgLostVolume       = "Bound claim has lost its PersistentVolume. Data on the volume is lost!"
	msgMisbound         = "Two claims are bound to the same volume, this one is bound incorrectly"
	msgBoundElsewhere   = "volume %q already bound to a different claim."
	msgRequestedVolume  = "Cannot bind to requested volume %q: %s"
	msgClassNotFound    = "storageclass.storage.k8s.io %q not found"
	msgNoProvisionerFor = "no volume plugin matched name: %s"
)

// claimInput is what decideClaim looks at, all read from caches.
type claimInput struct {
	claim *corev1.PersistentVolumeClaim
	// volumes are all PersistentVolumes.
	volumes []*corev1.PersistentVolume
	// named is the volume claim.spec.volumeName names; nil when unset or
	// missing.
	named *corev1.PersistentVolume
	// class is the claim's StorageClass; nil when the claim has none or
	// the class does not exist.
	class *storagev1.StorageClass
	// consumerNode is the node of a scheduled pod that uses the claim, ""
	// if none: it stands in for the scheduler's selected-node annotation.
	consumerNode string
	// nodeLabels are the labels of the node a WaitForFirstConsumer claim
	// was selected for (nil when none was): only volumes whose node
	// affinity that node matches may bind it.
	nodeLabels map[string]string
}

// decideClaim is the claim half of Kubernetes' PV controller: bind an
// unbound claim to a fitting volume, or say why it waits, or check that a
// bound claim still has its volume.
func decideClaim(in claimInput) claimPlan {
	if in.claim.Annotations[volumehelpers.AnnBindCompleted] != "" {
		return decideBoundClaim(in)
	}
	if in.claim.Spec.VolumeName != "" {
		return decidePreBoundClaim(in)
	}
	return decideUnboundClaim(in)
}

// decideUnboundClaim finds a volume for a claim that names none, or
// explains why there is none yet and who is expected to make one.
func decideUnboundClaim(in claimInput) claimPlan {
	c := in.claim
	delayed := in.class != nil && in.class.VolumeBindingMode != nil &&
		*in.class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer &&
		c.Annotations[volumehelpers.AnnSelectedNode] == ""
	if delayed && in.consumerNode != "" {
		// What the scheduler does in Kubernetes once it has placed the pod.
		return claimPlan{annotate: map[string]string{volumehelpers.AnnSelectedNode: in.consumerNode}}
	}
	if v := findVolume(c, reachable(in.volumes, in.nodeLabels)); v != nil && (!delayed || volumehelpers.IsVolumeBoundToClaim(v, c)) {
		return claimPlan{bind: v}
	}
	className := volumehelpers.GetPersistentVolumeClaimClass(c)
	switch {
	case delayed:
		return claimPlan{phase: corev1.ClaimPending, event: normal(reasonWaitForConsumer, msgWaitForConsumer)}
	case className == "":
		return claimPlan{phase: corev1.ClaimPending, event: normal(reasonFailedBinding, msgNoClass)}
	case in.class == nil:
		return claimPlan{phase: corev1.ClaimPending, event: warning(reasonProvisioningFailed, fmt.Sprintf(msgClassNotFound, className))}
	case in.class.Provisioner == volumehelpers.NotSupportedProvisioner:
		return claimPlan{phase: corev1.ClaimPending, event: warning(reasonProvisioningFailed, fmt.Sprintf(msgNoProvisionerFor, in.class.Provisioner))}
	}
	plan := claimPlan{phase: corev1.ClaimPending, event: normal(reasonExternalProvisioning, fmt.Sprintf(msgExternal, in.class.Provisioner))}
	if c.Annotations[volumehelpers.AnnStorageProvisioner] != in.class.Provisioner || c.Annotations[volumehelpers.AnnBetaStorageProvisioner] != in.class.Provisioner {
		plan.annotate = map[string]string{
			volumehelpers.AnnStorageProvisioner:     in.class.Provisioner,
			volumehelpers.AnnBetaStorageProvisioner: in.class.Provisioner,
		}
	}
	return plan
}

// decidePreBoundClaim binds a claim to the volume its spec.volumeName
// names, if that volume is free (or already ours) and fits.
func decidePreBoundClaim(in claimInput) claimPlan {
	c, v := in.claim, in.named
	switch {
	case v == nil:
		return claimPlan{phase: corev1.ClaimPending} // it may yet be created
	case v.Spec.ClaimRef == nil:
		if why := mismatch(v, c); why != "" {
			return claimPlan{phase: corev1.ClaimPending, event: warning(reasonVolumeMismatch, fmt.Sprintf(msgRequestedVolume, v.Name, why))}
		}
		return claimPlan{bind: v}
	case volumehelpers.IsVolumeBoundToClaim(v, c):
		return claimPlan{bind: v}
	}
	return claimPlan{phase: corev1.ClaimPending, event: warning(reasonFailedBinding, fmt.Sprintf(msgBoundElsewhere, v.Name))}
}

// decideBoundClaim keeps a bound claim bound, finishing a bind cut short
// by a crash, or marks it Lost when its volume went away or was given to
// another claim.
func decideBoundClaim(in claimInput) claimPlan {
	c, v := in.claim, in.named
	switch {
	case c.Spec.VolumeName == "":
		return claimPlan{phase: corev1.ClaimLost, event: warning(reasonClaimLost, msgLostReference)}
	case v == nil:
		return claimPlan{phase: corev1.ClaimLost, event: warning(reasonClaimLost, msgLostVolume)}
	case v.Spec.ClaimRef == nil, volumehelpers.IsVolumeBoundToClaim(v, c):
		return claimPlan{bind: v}
	}
	return claimPlan{phase: corev1.ClaimLost, event: warning(reasonClaimMisbound, msgMisbound)}
}

// mismatch says why volume cannot serve claim, "" if it can: the checks
// Kubernetes makes of a volume the claim names itself.
func mismatch(v *corev1.PersistentVolume, c *corev1.PersistentVolumeClaim) string {
	request := c.Spec.Resources.Requests[corev1.ResourceStorage]
	size := v.Spec.Capacity[corev1.ResourceStorage]
	switch {
	case size.Cmp(request) < 0:
		return "requested PV is too small"
	case volumehelpers.GetPersistentVolumeClass(v) != volumehelpers.GetPersistentVolumeClaimClass(c):
		return "storageClassName does not match"
	case volumehelpers.CheckVolumeModeMismatches(&c.Spec, &v.Spec):
		return "incompatible volumeMode"
	}
	return ""
}

// reachable keeps the volumes a pod on a node with nodeLabels can use:
// those whose node affinity the node matches (a local volume lives on one
// node). nil nodeLabels keeps all: no node was selected.
func reachable(volumes []*corev1.PersistentVolume, nodeLabels map[string]string) []*corev1.PersistentVolume {
	if nodeLabels == nil {
		return volumes
	}
	out := make([]*corev1.PersistentVolume, 0, len(volumes))
	for _, v := range volumes {
		if volumehelpers.CheckNodeAffinity(v, nodeLabels) == nil {
			out = append(out, v)
		}
	}
	return out
}
