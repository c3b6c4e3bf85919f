package scheduler

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// unboundImmediateMessage is the VolumeBinding plugin's wording for a pod
// whose claim waits for a binder that is not the scheduler's to wait for.
const unboundImmediateMessage = "pod has unbound immediate PersistentVolumeClaims"

// claimLookup reads the claims and classes the check needs (listers in the
// controller, maps in tests).
type claimLookup struct {
	claim  func(namespace, name string) (*corev1.PersistentVolumeClaim, error)
	class  func(name string) (*storagev1.StorageClass, error)
	volume func(name string) (*corev1.PersistentVolume, error)
}

// volumesBlock is the VolumeBinding plugin's PreFilter: before any node is
// looked at, every persistentVolumeClaim volume of pod must name a claim
// that exists, is not being deleted, and is bound, unless its class binds
// only once a pod is placed (WaitForFirstConsumer), which the placement
// itself triggers. It returns why the pod cannot be placed yet, or "".
func volumesBlock(pod *corev1.Pod, look claimLookup) (string, error) {
	unbound := false
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		name := v.PersistentVolumeClaim.ClaimName
		pvc, err := look.claim(pod.Namespace, name)
		if apierrors.IsNotFound(err) {
			return fmt.Sprintf("persistentvolumeclaim %q not found", name), nil
		}
		if err != nil {
			return "", err
		}
		if pvc.DeletionTimestamp != nil {
			return fmt.Sprintf("persistentvolumeclaim %q is being deleted", name), nil
		}
		if pvc.Spec.VolumeName != "" && pvc.Status.Phase == corev1.ClaimBound {
			continue
		}
		delayed, err := waitsForConsumer(pvc, look)
		if err != nil {
			return "", err
		}
		unbound = unbound || !delayed
	}
	if unbound {
		return unboundImmediateMessage, nil
	}
	return "", nil
}

// waitsForConsumer says whether the claim's class binds it only once a
// pod using it is scheduled. A claim with no class, or whose class does
// not exist (yet), binds immediately or not at all.
func waitsForConsumer(pvc *corev1.PersistentVolumeClaim, look claimLookup) (bool, error) {
	name := pvc.Spec.StorageClassName
	if name == nil || *name == "" {
		return false, nil
	}
	class, err := look.class(*name)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer, nil
}

// preFilterMessage renders a failure found before any node was filtered,
// as Kubernetes' scheduler does.
func preFilterMessage(total int, reason string) string {
	if total == 0 {
		return noNodesMessage
	}
	return fmt.Sprintf("0/%d nodes are available: %s.", total, reason)
}
