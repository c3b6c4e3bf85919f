package printers

import (
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
)

// Annotations that still take precedence over spec.storageClassName, and
// those marking the cluster's default StorageClass.
const (
	betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class"
	defaultClassAnnotation     = "storageclass.kubernetes.io/is-default-class"
	betaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

// PersistentVolumes prints NAME CAPACITY ACCESS MODES RECLAIM POLICY
// STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE, and with -o wide
// VOLUMEMODE.
func PersistentVolumes() Printer {
	spec, status := corev1.PersistentVolumeSpec{}.SwaggerDoc(), corev1.PersistentVolumeStatus{}.SwaggerDoc()
	return printer[corev1.PersistentVolume]{
		columns: columns(
			nameColumn(),
			column("Capacity", "string", spec["capacity"]),
			column("Access Modes", "string", spec["accessModes"]),
			column("Reclaim Policy", "string", spec["persistentVolumeReclaimPolicy"]),
			column("Status", "string", status["phase"]),
			column("Claim", "string", spec["claimRef"]),
			column("StorageClass", "string", "StorageClass of the pv"),
			column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
			column("Reason", "string", status["reason"]),
			ageColumn(),
			wideColumn("VolumeMode", "string", spec["volumeMode"]),
		),
		cells: persistentVolumeCells,
	}
}

func persistentVolumeCells(pv *corev1.PersistentVolume, now time.Time) ([]any, error) {
	claim := ""
	if ref := pv.Spec.ClaimRef; ref != nil {
		claim = ref.Namespace + "/" + ref.Name
	}
	capacity := pv.Spec.Capacity[corev1.ResourceStorage]
	return []any{
		pv.Name,
		capacity.String(),
		accessModes(pv.Spec.AccessModes),
		string(pv.Spec.PersistentVolumeReclaimPolicy),
		terminatingOr(pv.DeletionTimestamp != nil, string(pv.Status.Phase)),
		claim,
		storageClassOf(pv.Annotations, &pv.Spec.StorageClassName),
		derefOr(pv.Spec.VolumeAttributesClassName, unset),
		pv.Status.Reason,
		age(pv.CreationTimestamp, now),
		volumeMode(pv.Spec.VolumeMode),
	}, nil
}

// PersistentVolumeClaims prints NAME STATUS VOLUME CAPACITY ACCESS
// MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE, and with -o wide VOLUMEMODE.
func PersistentVolumeClaims() Printer {
	spec, status := corev1.PersistentVolumeClaimSpec{}.SwaggerDoc(), corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()
	return printer[corev1.PersistentVolumeClaim]{
		columns: columns(
			nameColumn(),
			column("Status", "string", status["phase"]),
			column("Volume", "string", spec["volumeName"]),
			column("Capacity", "string", status["capacity"]),
			column("Access Modes", "string", status["accessModes"]),
			column("StorageClass", "string", "StorageClass of the pvc"),
			column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
			ageColumn(),
			wideColumn("VolumeMode", "string", spec["volumeMode"]),
		),
		cells: persistentVolumeClaimCells,
	}
}

func persistentVolumeClaimCells(pvc *corev1.PersistentVolumeClaim, now time.Time) ([]any, error) {
	// Capacity and access modes describe the bound volume, so they stay
	// blank until the claim is bound.
	capacity, modes := "", ""
	if pvc.Spec.VolumeName != "" {
		q := pvc.Status.Capacity[corev1.ResourceStorage]
		capacity, modes = q.String(), accessModes(pvc.Status.AccessModes)
	}
	return []any{
		pvc.Name,
		terminatingOr(pvc.DeletionTimestamp != nil, string(pvc.Status.Phase)),
		pvc.Spec.VolumeName,
		capacity,
		modes,
		storageClassOf(pvc.Annotations, pvc.Spec.StorageClassName),
		derefOr(pvc.Spec.VolumeAttributesClassName, unset),
		age(pvc.CreationTimestamp, now),
		volumeMode(pvc.Spec.VolumeMode),
	}, nil
}

// terminatingOr shows volumes and claims being deleted as Terminating.
func terminatingOr(deleting bool, phase string) string {
	if deleting {
		return "Terminating"
	}
	return phase
}

// accessModes abbreviates access modes in Kubernetes' fixed order, once each.
func accessModes(modes []corev1.PersistentVolumeAccessMode) string {
	order := []struct {
		mode  corev1.PersistentVolumeAccessMode
		short string
	}{
		{corev1.ReadWriteOnce, "RWO"},
		{corev1.ReadOnlyMany, "ROX"},
		{corev1.ReadWriteMany, "RWX"},
		{corev1.ReadWriteOncePod, "RWOP"},
	}
	var out []string
	for _, o := range order {
		if slices.Contains(modes, o.mode) {
			out = append(out, o.short)
		}
	}
	return strings.Join(out, ",")
}

// storageClassOf prefers the legacy beta annotation, which Kubernetes still
// honours, over spec.storageClassName.
func storageClassOf(annotations map[string]string, name *string) string {
	if class, ok := annotations[betaStorageClassAnnotation]; ok {
		return class
	}
	return derefOr(name, "")
}

func volumeMode(m *corev1.PersistentVolumeMode) string {
	if m == nil {
		return unset
	}
	return string(*m)
}

// StorageClasses prints NAME PROVISIONER RECLAIMPOLICY
// VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE, with the default class named
// "<name> (default)".
func StorageClasses() Printer {
	doc := storagev1.StorageClass{}.SwaggerDoc()
	return printer[storagev1.StorageClass]{
		columns: columns(
			nameColumn(),
			column("Provisioner", "string", doc["provisioner"]),
			column("ReclaimPolicy", "string", doc["reclaimPolicy"]),
			column("VolumeBindingMode", "string", doc["volumeBindingMode"]),
			column("AllowVolumeExpansion", "string", doc["allowVolumeExpansion"]),
			ageColumn(),
		),
		cells: storageClassCells,
	}
}

func storageClassCells(sc *storagev1.StorageClass, now time.Time) ([]any, error) {
	name := sc.Name
	if isDefaultClass(sc.Annotations) {
		name += " (default)"
	}
	return []any{
		name,
		sc.Provisioner,
		string(derefOr(sc.ReclaimPolicy, corev1.PersistentVolumeReclaimDelete)),
		string(derefOr(sc.VolumeBindingMode, storagev1.VolumeBindingImmediate)),
		derefOr(sc.AllowVolumeExpansion, false),
		age(sc.CreationTimestamp, now),
	}, nil
}

// isDefaultClass checks the GA and beta default-class annotations.
func isDefaultClass(annotations map[string]string) bool {
	return annotations[defaultClassAnnotation] == "true" || annotations[betaDefaultClassAnnotation] == "true"
}
