package validation

import (
	storagev1 "k8s.io/api/storage/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// csiDriverNameMaxLength is Kubernetes' limit on a CSI driver's name.
const csiDriverNameMaxLength = 63

var (
	fsGroupPolicies = []storagev1.FSGroupPolicy{storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy,
		storagev1.FileFSGroupPolicy, storagev1.NoneFSGroupPolicy}
	volumeLifecycleModes = []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent, storagev1.VolumeLifecycleEphemeral}
)

// validateCSIDriverName is Kubernetes' rule for a driver name: at most 63
// characters, a DNS subdomain.
func validateCSIDriverName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if len(name) > csiDriverNameMaxLength {
		return field.ErrorList{field.TooLong(p, "", csiDriverNameMaxLength)}
	}
	return dnsSubdomain(name, p)
}

// ValidateCSIDriver validates a new CSIDriver: its name is the driver's,
// its FSGroup policy and lifecycle modes are known ones.
func ValidateCSIDriver(d *storagev1.CSIDriver) field.ErrorList {
	errs := apivalidation.ValidateObjectMeta(&d.ObjectMeta, false, apivalidation.ValidateNameFunc(func(string, bool) []string { return nil }), metadataPath)
	errs = append(errs, validateCSIDriverName(d.Name, metadataPath.Child("name"))...)
	return append(errs, validateCSIDriverSpec(&d.Spec)...)
}

func validateCSIDriverSpec(s *storagev1.CSIDriverSpec) field.ErrorList {
	var errs field.ErrorList
	if s.AttachRequired == nil {
		errs = append(errs, field.Required(specPath.Child("attachRequired"), ""))
	}
	if s.PodInfoOnMount == nil {
		errs = append(errs, field.Required(specPath.Child("podInfoOnMount"), ""))
	}
	if s.FSGroupPolicy != nil && !oneOf(*s.FSGroupPolicy, fsGroupPolicies) {
		errs = append(errs, field.NotSupported(specPath.Child("fsGroupPolicy"), *s.FSGroupPolicy, fsGroupPolicies))
	}
	for i, m := range s.VolumeLifecycleModes {
		if !oneOf(m, volumeLifecycleModes) {
			errs = append(errs, field.NotSupported(specPath.Child("volumeLifecycleModes").Index(i), m, volumeLifecycleModes))
		}
	}
	return errs
}

// ValidateCSIDriverUpdate keeps attachRequired, which is immutable.
func ValidateCSIDriverUpdate(d, old *storagev1.CSIDriver) field.ErrorList {
	errs := validateMetaUpdate(&d.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, immutable(d.Spec.AttachRequired, old.Spec.AttachRequired, specPath.Child("attachRequired"))...)
	return append(errs, validateCSIDriverSpec(&d.Spec)...)
}

// ValidateCSINode validates a new CSINode: each driver named once, with
// a node ID.
func ValidateCSINode(n *storagev1.CSINode) field.ErrorList {
	errs := validateMeta(&n.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateCSINodeDrivers(n.Spec.Drivers)...)
}

func validateCSINodeDrivers(drivers []storagev1.CSINodeDriver) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, d := range drivers {
		p := specPath.Child("drivers").Index(i)
		errs = append(errs, validateCSIDriverName(d.Name, p.Child("name"))...)
		if seen[d.Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), d.Name))
		}
		seen[d.Name] = true
		if d.NodeID == "" {
			errs = append(errs, field.Required(p.Child("nodeID"), ""))
		}
		if d.Allocatable != nil && d.Allocatable.Count != nil && *d.Allocatable.Count < 0 {
			errs = append(errs, field.Invalid(p.Child("allocatable", "count"), *d.Allocatable.Count, apivalidation.IsNegativeErrorMsg))
		}
	}
	return errs
}

// ValidateCSINodeUpdate keeps each driver's node ID.
func ValidateCSINodeUpdate(n, old *storagev1.CSINode) field.ErrorList {
	errs := validateMetaUpdate(&n.ObjectMeta, &old.ObjectMeta)
	for i, d := range n.Spec.Drivers {
		for _, o := range old.Spec.Drivers {
			if o.Name == d.Name {
				errs = append(errs, immutable(d.NodeID, o.NodeID, specPath.Child("drivers").Index(i).Child("nodeID"))...)
			}
		}
	}
	return append(errs, validateCSINodeDrivers(n.Spec.Drivers)...)
}

// ValidateVolumeAttachment validates a new VolumeAttachment: an attacher,
// a node, and exactly one source.
func ValidateVolumeAttachment(va *storagev1.VolumeAttachment) field.ErrorList {
	errs := validateMeta(&va.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	errs = append(errs, validateCSIDriverName(va.Spec.Attacher, specPath.Child("attacher"))...)
	if va.Spec.NodeName == "" {
		errs = append(errs, field.Required(specPath.Child("nodeName"), ""))
	}
	src, sp := va.Spec.Source, specPath.Child("source")
	switch {
	case src.PersistentVolumeName == nil && src.InlineVolumeSpec == nil:
		errs = append(errs, field.Required(sp, "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
	case src.PersistentVolumeName != nil && src.InlineVolumeSpec != nil:
		errs = append(errs, field.Forbidden(sp, "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
	case src.PersistentVolumeName != nil && *src.PersistentVolumeName == "":
		errs = append(errs, field.Required(sp.Child("persistentVolumeName"), "must specify non empty persistentVolumeName"))
	}
	return errs
}

// ValidateVolumeAttachmentUpdate keeps the spec, which is immutable.
func ValidateVolumeAttachmentUpdate(va, old *storagev1.VolumeAttachment) field.ErrorList {
	errs := validateMetaUpdate(&va.ObjectMeta, &old.ObjectMeta)
	return append(errs, immutable(va.Spec, old.Spec, specPath)...)
}

// ValidateCSIStorageCapacity validates a new CSIStorageCapacity: a
// storage class and non-negative capacities.
func ValidateCSIStorageCapacity(c *storagev1.CSIStorageCapacity) field.ErrorList {
	errs := validateMeta(&c.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	errs = append(errs, requiredName(c.StorageClassName, field.NewPath("storageClassName"))...)
	if c.Capacity != nil {
		errs = append(errs, nonNegativeQuantity(*c.Capacity, field.NewPath("capacity"))...)
	}
	if c.MaximumVolumeSize != nil {
		errs = append(errs, nonNegativeQuantity(*c.MaximumVolumeSize, field.NewPath("maximumVolumeSize"))...)
	}
	return errs
}

// ValidateCSIStorageCapacityUpdate keeps the topology and the storage
// class, which are immutable.
func ValidateCSIStorageCapacityUpdate(c, old *storagev1.CSIStorageCapacity) field.ErrorList {
	errs := validateMetaUpdate(&c.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, immutable(c.NodeTopology, old.NodeTopology, field.NewPath("nodeTopology"))...)
	errs = append(errs, immutable(c.StorageClassName, old.StorageClassName, field.NewPath("storageClassName"))...)
	return errs
}

// ValidateVolumeAttributesClass validates a new VolumeAttributesClass: a
// driver name and parameters, both immutable.
func ValidateVolumeAttributesClass(c *storagev1.VolumeAttributesClass) field.ErrorList {
	errs := validateMeta(&c.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	errs = append(errs, validateCSIDriverName(c.DriverName, field.NewPath("driverName"))...)
	return append(errs, validateParameters(c.Parameters, field.NewPath("parameters"))...)
}

// ValidateVolumeAttributesClassUpdate keeps driverName and parameters.
func ValidateVolumeAttributesClassUpdate(c, old *storagev1.VolumeAttributesClass) field.ErrorList {
	errs := validateMetaUpdate(&c.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, immutable(c.DriverName, old.DriverName, field.NewPath("driverName"))...)
	return append(errs, immutable(c.Parameters, old.Parameters, field.NewPath("parameters"))...)
}
