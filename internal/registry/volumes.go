package registry

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// New claims and volumes start Pending until a binder or provisioner acts.
var (
	pvcHooks = Hooks{PrepareForCreate: func(_ context.Context, obj runtime.Object) {
		obj.(*corev1.PersistentVolumeClaim).Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
	}}
	pvHooks = Hooks{PrepareForCreate: func(_ context.Context, obj runtime.Object) {
		obj.(*corev1.PersistentVolume).Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending}
	}}
)
