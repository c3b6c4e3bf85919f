package printers

import (
	"strings"
	"time"

	storagev1 "k8s.io/api/storage/v1"
)

// CSIDrivers prints NAME ATTACHREQUIRED PODINFOONMOUNT STORAGECAPACITY
// TOKENREQUESTS REQUIRESREPUBLISH MODES AGE.
func CSIDrivers() Printer {
	spec := storagev1.CSIDriverSpec{}.SwaggerDoc()
	return printer[storagev1.CSIDriver]{
		columns: columns(
			nameColumn(),
			column("AttachRequired", "boolean", spec["attachRequired"]),
			column("PodInfoOnMount", "boolean", spec["podInfoOnMount"]),
			column("StorageCapacity", "boolean", spec["storageCapacity"]),
			column("TokenRequests", "string", spec["tokenRequests"]),
			column("RequiresRepublish", "boolean", spec["requiresRepublish"]),
			column("Modes", "string", spec["volumeLifecycleModes"]),
			ageColumn(),
		),
		cells: func(d *storagev1.CSIDriver, now time.Time) ([]any, error) {
			var audiences []string
			for _, t := range d.Spec.TokenRequests {
				audiences = append(audiences, t.Audience)
			}
			var modes []string
			for _, m := range d.Spec.VolumeLifecycleModes {
				modes = append(modes, string(m))
			}
			return []any{d.Name, derefOr(d.Spec.AttachRequired, false), derefOr(d.Spec.PodInfoOnMount, false),
				derefOr(d.Spec.StorageCapacity, false), orNone(strings.Join(audiences, ",")),
				derefOr(d.Spec.RequiresRepublish, false), orNone(strings.Join(modes, ",")), age(d.CreationTimestamp, now)}, nil
		},
	}
}

// CSINodes prints NAME DRIVERS AGE; DRIVERS counts them.
func CSINodes() Printer {
	return printer[storagev1.CSINode]{
		columns: columns(nameColumn(), column("Drivers", "integer", "Drivers indicates the number of CSI drivers registered on the node"), ageColumn()),
		cells: func(n *storagev1.CSINode, now time.Time) ([]any, error) {
			return []any{n.Name, int64(len(n.Spec.Drivers)), age(n.CreationTimestamp, now)}, nil
		},
	}
}

// VolumeAttachments prints NAME ATTACHER PV NODE ATTACHED AGE.
func VolumeAttachments() Printer {
	spec := storagev1.VolumeAttachmentSpec{}.SwaggerDoc()
	return printer[storagev1.VolumeAttachment]{
		columns: columns(
			nameColumn(),
			column("Attacher", "string", spec["attacher"]),
			column("PV", "string", storagev1.VolumeAttachmentSource{}.SwaggerDoc()["persistentVolumeName"]),
			column("Node", "string", spec["nodeName"]),
			column("Attached", "boolean", storagev1.VolumeAttachmentStatus{}.SwaggerDoc()["attached"]),
			ageColumn(),
		),
		cells: func(va *storagev1.VolumeAttachment, now time.Time) ([]any, error) {
			return []any{va.Name, va.Spec.Attacher, derefOr(va.Spec.Source.PersistentVolumeName, ""), va.Spec.NodeName,
				va.Status.Attached, age(va.CreationTimestamp, now)}, nil
		},
	}
}

// CSIStorageCapacities prints NAME STORAGECLASSNAME CAPACITY.
func CSIStorageCapacities() Printer {
	doc := storagev1.CSIStorageCapacity{}.SwaggerDoc()
	return printer[storagev1.CSIStorageCapacity]{
		columns: columns(nameColumn(), column("StorageClassName", "string", doc["storageClassName"]), column("Capacity", "string", doc["capacity"])),
		cells: func(c *storagev1.CSIStorageCapacity, _ time.Time) ([]any, error) {
			capacity := unset
			if c.Capacity != nil {
				capacity = c.Capacity.String()
			}
			return []any{c.Name, c.StorageClassName, capacity}, nil
		},
	}
}

// VolumeAttributesClasses prints NAME DRIVERNAME AGE.
func VolumeAttributesClasses() Printer {
	return printer[storagev1.VolumeAttributesClass]{
		columns: columns(nameColumn(), column("DriverName", "string", storagev1.VolumeAttributesClass{}.SwaggerDoc()["driverName"]), ageColumn()),
		cells: func(c *storagev1.VolumeAttributesClass, now time.Time) ([]any, error) {
			return []any{c.Name, c.DriverName, age(c.CreationTimestamp, now)}, nil
		},
	}
}
