package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	persistentVolumes = schema.GroupResource{Resource: "persistentvolumes"}
	claims            = schema.GroupResource{Resource: "persistentvolumeclaims"}
	storageClasses    = schema.GroupResource{Group: "storage.k8s.io", Resource: "storageclasses"}
)

func storageList(size string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}
}

func TestPersistentVolumes(t *testing.T) {
	assertColumns(t, persistentVolumes, &corev1.PersistentVolume{}, columnSet{
		normal: []string{"Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age"},
		wide:   []string{"VolumeMode"},
	})
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "pv-1", CreationTimestamp: ago(6 * time.Hour)},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      storageList("10Gi"),
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany, corev1.ReadWriteOnce, corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			ClaimRef:                      &corev1.ObjectReference{Namespace: "default", Name: "data"},
			StorageClassName:              "fast",
			VolumeMode:                    ptr(corev1.PersistentVolumeFilesystem),
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound},
	}
	assertCells(t, persistentVolumes, pv, "pv-1", "10Gi", "RWO,RWX", "Retain", "Bound", "default/data", "fast", "<unset>", "", "6h", "Filesystem")

	pv.DeletionTimestamp = agoPtr(time.Second)
	pv.Annotations = map[string]string{"volume.beta.kubernetes.io/storage-class": "legacy"}
	if got := cell(t, persistentVolumes, pv, "Status"); got != "Terminating" {
		t.Errorf("status = %v", got)
	}
	if got := cell(t, persistentVolumes, pv, "StorageClass"); got != "legacy" {
		t.Errorf("storage class = %v", got)
	}
}

func TestPersistentVolumeClaims(t *testing.T) {
	assertColumns(t, claims, &corev1.PersistentVolumeClaim{}, columnSet{
		normal: []string{"Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age"},
		wide:   []string{"VolumeMode"},
	})
	pending := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", CreationTimestamp: ago(30 * time.Second)},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr("fast"),
			Resources:        corev1.VolumeResourceRequirements{Requests: storageList("5Gi")},
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	assertCells(t, claims, pending, "data", "Pending", "", "", "", "fast", "<unset>", "30s", "<unset>")

	bound := pending.DeepCopy()
	bound.Spec.VolumeName = "pv-1"
	bound.Spec.VolumeAttributesClassName = ptr("gold")
	bound.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, Capacity: storageList("8Gi"), AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod}}
	assertCells(t, claims, bound, "data", "Bound", "pv-1", "8Gi", "RWOP", "fast", "gold", "30s", "<unset>")
}

func TestStorageClasses(t *testing.T) {
	assertColumns(t, storageClasses, &storagev1.StorageClass{}, columnSet{
		normal: []string{"Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"},
	})
	defaulted := &storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: "standard", CreationTimestamp: ago(10 * day), Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner: "rancher.io/local-path",
	}
	assertCells(t, storageClasses, defaulted, "standard (default)", "rancher.io/local-path", "Delete", "Immediate", false, "10d")

	explicit := &storagev1.StorageClass{
		ObjectMeta:           metav1.ObjectMeta{Name: "fast", CreationTimestamp: ago(10 * day), Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "false"}},
		Provisioner:          "csi.example.com",
		ReclaimPolicy:        ptr(corev1.PersistentVolumeReclaimRetain),
		VolumeBindingMode:    ptr(storagev1.VolumeBindingWaitForFirstConsumer),
		AllowVolumeExpansion: ptr(true),
	}
	assertCells(t, storageClasses, explicit, "fast", "csi.example.com", "Retain", "WaitForFirstConsumer", true, "10d")
}
