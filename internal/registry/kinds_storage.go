package registry

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ordo-dev/ordo/internal/api/defaults"
	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// csiKinds are storage.k8s.io/v1's CSI kinds. ordo has no CSI support (its
// volumes are local), so they are stored and validated as on a cluster
// where no CSI driver is installed: nothing attaches, nothing reports
// capacity, and a VolumeAttributesClass changes no volume.
func csiKinds(gv schema.GroupVersion) []*Resource {
	return []*Resource{
		kind(gv, "csidrivers", &storagev1.CSIDriver{}, &storagev1.CSIDriverList{}).cluster().
			defaulting(typed(defaults.CSIDriver)).
			rules(v.For(v.ValidateCSIDriver, v.ValidateCSIDriverUpdate, nil)).
			columns(printers.CSIDrivers()),
		kind(gv, "csinodes", &storagev1.CSINode{}, &storagev1.CSINodeList{}).cluster().
			rules(v.For(v.ValidateCSINode, v.ValidateCSINodeUpdate, nil)).
			columns(printers.CSINodes()),
		kind(gv, "volumeattachments", &storagev1.VolumeAttachment{}, &storagev1.VolumeAttachmentList{}).cluster().sub("status").
			rules(v.For(v.ValidateVolumeAttachment, v.ValidateVolumeAttachmentUpdate, nil)).
			columns(printers.VolumeAttachments()),
		kind(gv, "csistoragecapacities", &storagev1.CSIStorageCapacity{}, &storagev1.CSIStorageCapacityList{}).
			rules(v.For(v.ValidateCSIStorageCapacity, v.ValidateCSIStorageCapacityUpdate, nil)).
			columns(printers.CSIStorageCapacities()),
		kind(gv, "volumeattributesclasses", &storagev1.VolumeAttributesClass{}, &storagev1.VolumeAttributesClassList{}).cluster().short("vac").
			rules(v.For(v.ValidateVolumeAttributesClass, v.ValidateVolumeAttributesClassUpdate, nil)).
			columns(printers.VolumeAttributesClasses()),
	}
}
