package statefulset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

var podKind = corev1.SchemeGroupVersion.WithKind("Pod")

// claimVerdict is what persistentVolumeClaimRetentionPolicy asks of one
// claim of the set.
type claimVerdict struct {
	owners    []metav1.OwnerReference // the claim's owner references, as they should be
	deleteNow bool                    // scaled away with its pod already gone
}

// retentionFor is Kubernetes' owner-reference mechanics for a claim of
// ordinal ord, whose pod (nil when gone) is condemned when the ordinal is
// outside the range:
//   - whenDeleted Delete: an owner reference to the set, so the garbage
//     collector deletes the claim with it;
//   - whenScaled Delete, condemned: an owner reference to the pod instead,
//     so the claim goes with the pod. A claim whose pod is already gone
//     is deleted now (Kubernetes would leave it behind);
//   - otherwise no reference of either, and other owners are kept.
func retentionFor(set *appsv1.StatefulSet, claim *corev1.PersistentVolumeClaim, ord int, pod *corev1.Pod, condemned bool) claimVerdict {
	var owners []metav1.OwnerReference
	for _, ref := range claim.OwnerReferences {
		ours := ref.UID == set.UID || (ref.Kind == podKind.Kind && ref.APIVersion == "v1" && ref.Name == podName(set, ord))
		if !ours {
			owners = append(owners, ref)
		}
	}
	byPod := condemned && deleteOnScale(set)
	switch {
	case byPod && pod == nil:
		return claimVerdict{owners: claim.OwnerReferences, deleteNow: true}
	case byPod:
		owners = append(owners, metav1.OwnerReference{APIVersion: "v1", Kind: podKind.Kind, Name: pod.Name, UID: pod.UID})
	case !retainOnDelete(set):
		owners = append(owners, *metav1.NewControllerRef(set, setKind))
	}
	return claimVerdict{owners: owners}
}

// settleClaimOwners gives every claim of the set the owner references its
// retention policy asks for, before pods are deleted, so the garbage
// collector follows a scaled-away pod with its claims.
func (c *Controller) settleClaimOwners(ctx context.Context, set *appsv1.StatefulSet, pods map[int]*corev1.Pod) error {
	if len(set.Spec.VolumeClaimTemplates) == 0 {
		return nil
	}
	claims, err := c.claimLister.PersistentVolumeClaims(set.Namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	start, end := ordinals(set)
	for _, cl := range claims {
		ord := claimOrdinal(set, cl.Name)
		if ord < 0 || cl.DeletionTimestamp != nil {
			continue
		}
		v := retentionFor(set, cl, ord, pods[ord], ord < start || ord >= end)
		if err := c.applyVerdict(ctx, cl, v); err != nil {
			return err
		}
	}
	return nil
}

func (c *Controller) applyVerdict(ctx context.Context, cl *corev1.PersistentVolumeClaim, v claimVerdict) error {
	claims := c.client.CoreV1().PersistentVolumeClaims(cl.Namespace)
	var err error
	switch {
	case v.deleteNow:
		err = claims.Delete(ctx, cl.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cl.UID}})
	case !equality.Semantic.DeepEqual(v.owners, cl.OwnerReferences) && (len(v.owners) > 0 || len(cl.OwnerReferences) > 0):
		updated := cl.DeepCopy()
		updated.OwnerReferences = v.owners
		_, err = claims.Update(ctx, updated, metav1.UpdateOptions{})
	}
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // the next sync sees the newer claim
	}
	return err
}
