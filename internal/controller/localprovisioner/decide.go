package localprovisioner

import (
	"fmt"
	"path/filepath"

	"github.com/ordo-dev/ordo/internal/storageclass"
	"github.com/ordo-dev/ordo/internal/wellknown"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
	"k8s.io/utils/ptr"
)

// Event reasons and messages, as Kubernetes' external provisioners record them.
const (
	reasonProvisioning       = "Provisioning"
	reasonProvisioned        = "ProvisioningSucceeded"
	reasonProvisioningFailed = "ProvisioningFailed"
	reasonFailedDelete       = "VolumeFailedDelete"

	msgProvisioning = "External provisioner is provisioning volume for claim %q"
	msgProvisioned  = "Successfully provisioned volume %s"
	msgFailed       = "failed to provision volume with StorageClass %q: %v"
)

// provisionPlan is what to do about a claim: nothing (volume nil and
// failure ""), fail with a message, or create volume; dir is the
// volume's directory, which this server makes itself when mkdir is set
// (the volume lives on its own machine) and the node's agent makes
// otherwise, when it first mounts the volume.
type provisionPlan struct {
	volume  *corev1.PersistentVolume
	dir     string
	mkdir   bool
	failure string
}

// provisionInput is what decideProvision looks at, read from caches.
type provisionInput struct {
	claim *corev1.PersistentVolumeClaim
	class *storagev1.StorageClass // nil if missing
	// exists says a volume named volumeName(claim) exists already.
	exists bool
	// self is this server's own node ("" when it runs no agent) and root
	// its volumes directory.
	self, root string
	// nodeRoot is the volumes directory the claim's selected node
	// publishes (wellknown.LocalPathDirAnnotation), "" if unknown.
	nodeRoot string
}

// volumeName is Kubernetes' name for a provisioned volume: one per claim,
// so a second attempt meets AlreadyExists instead of making a twin.
func volumeName(claim *corev1.PersistentVolumeClaim) string { return "pvc-" + string(claim.UID) }

// decideProvision decides whether to provision for a claim, and where.
//
// WaitForFirstConsumer (the default class): the scheduler names the node
// in the claim's volume.kubernetes.io/selected-node, and the volume goes
// under the volumes directory that node publishes, pinned to it by node
// affinity. Immediate: no pod is placed yet, so the volume goes on this
// server's own node, pinned there, and its pods follow it; a server
// without an agent makes an unpinned volume under its own data directory,
// as before volumes had node affinity.
func decideProvision(in provisionInput) provisionPlan {
	claim, class := in.claim, in.class
	if !wantsUs(claim) || claim.Spec.VolumeName != "" || claim.DeletionTimestamp != nil || in.exists {
		return provisionPlan{}
	}
	if class == nil || class.Provisioner != storageclass.LocalPath {
		return provisionPlan{} // the binder reports missing classes
	}
	node := claim.Annotations[volumehelpers.AnnSelectedNode]
	if waitsForConsumer(class) && node == "" {
		return provisionPlan{}
	}
	if claim.Spec.VolumeMode != nil && *claim.Spec.VolumeMode == corev1.PersistentVolumeBlock {
		return provisionPlan{failure: fmt.Sprintf(msgFailed, class.Name, storageclass.LocalPath+" provisions only Filesystem volumes")}
	}
	if claim.Spec.Selector != nil {
		// Kubernetes' external provisioners refuse these too: a selector
		// asks for an existing volume with certain labels.
		return provisionPlan{failure: fmt.Sprintf(msgFailed, class.Name, "claim Selector is not supported")}
	}
	if node == "" {
		node = in.self
	}
	root := in.nodeRoot
	if node == in.self {
		root = in.root
	}
	if root == "" {
		return provisionPlan{failure: fmt.Sprintf(msgFailed, class.Name,
			fmt.Sprintf("node %q has not published its volume directory (annotation %s); is its agent running?", node, wellknown.LocalPathDirAnnotation))}
	}
	dir := filepath.Join(root, volumeName(claim))
	return provisionPlan{volume: newVolume(claim, class, dir, node), dir: dir, mkdir: node == in.self}
}

// wantsUs says whether the binder marked the claim for ordo's provisioner.
func wantsUs(claim *corev1.PersistentVolumeClaim) bool {
	return claim.Annotations[volumehelpers.AnnStorageProvisioner] == storageclass.LocalPath ||
		claim.Annotations[volumehelpers.AnnBetaStorageProvisioner] == storageclass.LocalPath
}

func waitsForConsumer(class *storagev1.StorageClass) bool {
	return class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
}

// newVolume is the PersistentVolume for claim: its size, access modes and
// mode, the class's reclaim policy (Delete when unset) and mount options,
// pre-bound to the claim by uid so no other claim can take it, and
// pinned to node (unless "") by a required kubernetes.io/hostname term.
func newVolume(claim *corev1.PersistentVolumeClaim, class *storagev1.StorageClass, dir, node string) *corev1.PersistentVolume {
	policy := ptr.Deref(class.ReclaimPolicy, corev1.PersistentVolumeReclaimDelete)
	v := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        volumeName(claim),
			Annotations: map[string]string{volumehelpers.AnnDynamicallyProvisioned: storageclass.LocalPath},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: claim.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes:                   claim.Spec.AccessModes,
			PersistentVolumeReclaimPolicy: policy,
			StorageClassName:              class.Name,
			MountOptions:                  class.MountOptions,
			VolumeMode:                    claim.Spec.VolumeMode,
			ClaimRef: &corev1.ObjectReference{
				Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: claim.Namespace, Name: claim.Name, UID: claim.UID, ResourceVersion: claim.ResourceVersion,
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: ptr.To(corev1.HostPathDirectory)},
			},
		},
	}
	if node != "" {
		v.Spec.NodeAffinity = storageclass.PinTo(node)
	}
	return v
}

// deletePlan is what to do about a volume: nothing (dir "" and failure
// ""), fail, or remove dir and then the volume.
type deletePlan struct {
	dir     string
	failure string
}

// decideDelete decides whether a volume is ours to delete now: Released,
// reclaim policy Delete, provisioned by ordo.dev/local-path, and not
// pinned to a node (a pinned volume is deleted by the agent of its node,
// the only process on the machine that holds it). Its directory must be
// the one this server made (root/<name>): a path from another server's
// data directory, or one edited to point elsewhere, is never removed.
func decideDelete(v *corev1.PersistentVolume, root string) deletePlan {
	if v.Annotations[volumehelpers.AnnDynamicallyProvisioned] != storageclass.LocalPath ||
		v.Status.Phase != corev1.VolumeReleased ||
		v.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete ||
		v.DeletionTimestamp != nil || v.Spec.NodeAffinity != nil {
		return deletePlan{}
	}
	want := filepath.Join(root, v.Name)
	if v.Spec.HostPath == nil || v.Spec.HostPath.Path != want {
		return deletePlan{failure: fmt.Sprintf("volume directory is not %s, which this server made; delete it by hand", want)}
	}
	return deletePlan{dir: want}
}
