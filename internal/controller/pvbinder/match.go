package pvbinder

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// findVolume picks the volume claim should bind to among volumes, nil if
// none fits, by Kubernetes' PV controller rules:
//
//   - a volume whose claimRef already names this claim (pre-bound by the
//     user or a provisioner) wins outright, if it is large enough and of
//     the claim's volume mode;
//   - otherwise a volume must be Available, not pre-bound to another claim,
//     not being deleted, of the claim's class ("" matches only ""), of the
//     claim's volume mode, offer every access mode the claim asks for, hold
//     at least the requested storage and carry labels the claim's selector
//     matches;
//   - among those, the volumes with the fewest access modes are preferred
//     (Kubernetes searches its access-mode index from the narrowest set
//     up), and among them the smallest; ties go to the first by name, so
//     the choice does not depend on cache order.
func findVolume(claim *corev1.PersistentVolumeClaim, volumes []*corev1.PersistentVolume) *corev1.PersistentVolume {
	request := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	selector, err := claimSelector(claim)
	if err != nil {
		return nil // validation refuses bad selectors; match nothing rather than everything
	}
	class := volumehelpers.GetPersistentVolumeClaimClass(claim)
	var best *corev1.PersistentVolume
	for _, v := range volumes {
		size := v.Spec.Capacity[corev1.ResourceStorage]
		if size.Cmp(request) < 0 || volumehelpers.CheckVolumeModeMismatches(&claim.Spec, &v.Spec) || v.DeletionTimestamp != nil {
			continue
		}
		if v.Spec.ClaimRef != nil {
			if volumehelpers.IsVolumeBoundToClaim(v, claim) {
				return v
			}
			continue
		}
		if v.Status.Phase != corev1.VolumeAvailable || !selector.Matches(labels.Set(v.Labels)) ||
			volumehelpers.GetPersistentVolumeClass(v) != class || !volumehelpers.CheckAccessModes(claim, v) {
			continue
		}
		if best == nil || better(v, best) {
			best = v
		}
	}
	return best
}

// better says whether a fits more tightly than b: fewer access modes,
// then less storage, then the first name.
func better(a, b *corev1.PersistentVolume) bool {
	if len(a.Spec.AccessModes) != len(b.Spec.AccessModes) {
		return len(a.Spec.AccessModes) < len(b.Spec.AccessModes)
	}
	sa, sb := a.Spec.Capacity[corev1.ResourceStorage], b.Spec.Capacity[corev1.ResourceStorage]
	if c := sa.Cmp(sb); c != 0 {
		return c < 0
	}
	return a.Name < b.Name
}

// claimSelector is the claim's label selector; no selector selects all.
func claimSelector(claim *corev1.PersistentVolumeClaim) (labels.Selector, error) {
	if claim.Spec.Selector == nil {
		return labels.Everything(), nil
	}
	return metav1.LabelSelectorAsSelector(claim.Spec.Selector)
}
