package validation

import (
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// StorageClass parameter limits from Kubernetes.
const (
	maxProvisionerParameterSize = 256 * (1 << 10)
	maxProvisionerParameterLen  = 512
)

var (
	supportedAccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadOnlyMany,
		corev1.ReadWriteMany, corev1.ReadWriteOncePod}
	supportedVolumeModes   = []corev1.PersistentVolumeMode{corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem}
	supportedPVReclaim     = []corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain}
	supportedSCReclaim     = []corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRetain}
	supportedBindingModes  = []storagev1.VolumeBindingMode{storagev1.VolumeBindingImmediate, storagev1.VolumeBindingWaitForFirstConsumer}
	pvcUpdateForbiddenMsg  = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
	storageResource        = string(corev1.ResourceStorage)
	pvcRequestsStoragePath = field.NewPath("spec", "resources", "requests").Key(storageResource)
)

// validateAccessModes requires at least one known access mode;
// ReadWriteOncePod is exclusive and cannot be combined.
func validateAccessModes(modes []corev1.PersistentVolumeAccessMode, p *field.Path, requiredMsg string) field.ErrorList {
	if len(modes) == 0 {
		return field.ErrorList{field.Required(p, requiredMsg)}
	}
	var errs field.ErrorList
	known := sets.New(supportedAccessModes...)
	for _, m := range modes {
		if !known.Has(m) {
			errs = append(errs, field.NotSupported(p, m, supportedAccessModes))
		}
	}
	if len(modes) > 1 && sets.New(modes...).Has(corev1.ReadWriteOncePod) {
		errs = append(errs, field.Forbidden(p, "may not use ReadWriteOncePod with other access modes"))
	}
	return errs
}

func validateVolumeMode(m *corev1.PersistentVolumeMode, p *field.Path) field.ErrorList {
	if m != nil && *m != corev1.PersistentVolumeBlock && *m != corev1.PersistentVolumeFilesystem {
		return field.ErrorList{field.NotSupported(p, *m, supportedVolumeModes)}
	}
	return nil
}

// ValidatePersistentVolumeClaim validates a new PersistentVolumeClaim.
func ValidatePersistentVolumeClaim(c *corev1.PersistentVolumeClaim) field.ErrorList {
	errs := validateMeta(&c.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, ValidatePersistentVolumeClaimSpec(&c.Spec, field.NewPath("spec"))...)
}

// ValidatePersistentVolumeClaimSpec requires access modes and a positive
// storage request, the two things a provisioner or binder needs.
func ValidatePersistentVolumeClaimSpec(s *corev1.PersistentVolumeClaimSpec, p *field.Path) field.ErrorList {
	errs := validateAccessModes(s.AccessModes, p.Child("accessModes"), "at least 1 access mode is required")
	if s.Selector != nil {
		errs = append(errs, metavalidation.ValidateLabelSelector(s.Selector, selectorOpts, p.Child("selector"))...)
	}
	rp := p.Child("resources", "requests").Key(storageResource)
	if q, ok := s.Resources.Requests[corev1.ResourceStorage]; !ok {
		errs = append(errs, field.Required(p.Child("resources").Key(storageResource), ""))
	} else {
		errs = append(errs, positiveQuantity(q, rp)...)
	}
	if q, ok := s.Resources.Limits[corev1.ResourceStorage]; ok {
		errs = append(errs, positiveQuantity(q, p.Child("resources", "limits").Key(storageResource))...)
	}
	if s.StorageClassName != nil && *s.StorageClassName != "" {
		errs = append(errs, dnsSubdomain(*s.StorageClassName, p.Child("storageClassName"))...)
	}
	if s.DataSource != nil {
		errs = append(errs, requiredName(s.DataSource.Name, p.Child("dataSource", "name"))...)
		if s.DataSource.Kind == "" {
			errs = append(errs, field.Required(p.Child("dataSource", "kind"), ""))
		}
	}
	return append(errs, validateVolumeMode(s.VolumeMode, p.Child("volumeMode"))...)
}

// ValidatePersistentVolumeClaimUpdate validates c replacing old. The spec is
// fixed except that the binder may fill in volumeName once, and a bound claim
// may grow its storage request or change its volume attributes class.
func ValidatePersistentVolumeClaimUpdate(c, old *corev1.PersistentVolumeClaim) field.ErrorList {
	errs := validateMetaUpdate(&c.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, ValidatePersistentVolumeClaimSpec(&c.Spec, field.NewPath("spec"))...)
	clone := c.Spec.DeepCopy()
	if old.Spec.VolumeName == "" {
		clone.VolumeName = old.Spec.VolumeName
	}
	if old.Status.Phase == corev1.ClaimBound {
		clone.Resources.Requests = old.Spec.Resources.Requests
		clone.VolumeAttributesClassName = old.Spec.VolumeAttributesClassName
		newQ, okNew := c.Spec.Resources.Requests[corev1.ResourceStorage]
		oldQ, okOld := old.Spec.Resources.Requests[corev1.ResourceStorage]
		if okNew && okOld && newQ.Cmp(oldQ) < 0 {
			errs = append(errs, field.Forbidden(pvcRequestsStoragePath, "field can not be less than previous value"))
		}
	}
	if !equality.Semantic.DeepEqual(*clone, old.Spec) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"), pvcUpdateForbiddenMsg))
	}
	return errs
}

// ValidatePersistentVolume validates a new PersistentVolume: one volume
// source, a storage capacity and at least one access mode.
func ValidatePersistentVolume(pv *corev1.PersistentVolume) field.ErrorList {
	errs := validateMeta(&pv.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validatePVSpec(&pv.Spec, field.NewPath("spec"))...)
}

func validatePVSpec(s *corev1.PersistentVolumeSpec, p *field.Path) field.ErrorList {
	errs := validateAccessModes(s.AccessModes, p.Child("accessModes"), "")
	cp := p.Child("capacity")
	if len(s.Capacity) == 0 {
		errs = append(errs, field.Required(cp, ""))
	} else if q, ok := s.Capacity[corev1.ResourceStorage]; !ok || len(s.Capacity) > 1 {
		errs = append(errs, field.NotSupported(cp, s.Capacity, []corev1.ResourceName{corev1.ResourceStorage}))
	} else {
		errs = append(errs, positiveQuantity(q, cp.Key(storageResource))...)
	}
	if r := s.PersistentVolumeReclaimPolicy; r != "" && !sets.New(supportedPVReclaim...).Has(r) {
		errs = append(errs, field.NotSupported(p.Child("persistentVolumeReclaimPolicy"), r, supportedPVReclaim))
	}
	if s.StorageClassName != "" {
		errs = append(errs, dnsSubdomain(s.StorageClassName, p.Child("storageClassName"))...)
	}
	if s.HostPath != nil && s.HostPath.Path == "" {
		errs = append(errs, field.Required(p.Child("hostPath", "path"), ""))
	}
	if s.Local != nil && s.Local.Path == "" {
		errs = append(errs, field.Required(p.Child("local", "path"), ""))
	}
	if s.NFS != nil {
		errs = append(errs, validateNFS(s.NFS, p.Child("nfs"))...)
	}
	if s.CSI != nil && s.CSI.Driver == "" {
		errs = append(errs, field.Required(p.Child("csi", "driver"), ""))
	}
	errs = append(errs, validateOneSource(&s.PersistentVolumeSource, p)...)
	return append(errs, validateVolumeMode(s.VolumeMode, p.Child("volumeMode"))...)
}

// ValidatePersistentVolumeUpdate validates pv replacing old: the volume
// source and mode are fixed once created.
func ValidatePersistentVolumeUpdate(pv, old *corev1.PersistentVolume) field.ErrorList {
	errs := validateMetaUpdate(&pv.ObjectMeta, &old.ObjectMeta)
	p := field.NewPath("spec")
	errs = append(errs, validatePVSpec(&pv.Spec, p)...)
	if !equality.Semantic.DeepEqual(pv.Spec.PersistentVolumeSource, old.Spec.PersistentVolumeSource) {
		errs = append(errs, field.Forbidden(p.Child("persistentvolumesource"), "spec.persistentvolumesource is forbidden."))
	}
	return append(errs, immutable(pv.Spec.VolumeMode, old.Spec.VolumeMode, p.Child("volumeMode"))...)
}

// ValidateStorageClass validates a new StorageClass.
func ValidateStorageClass(sc *storagev1.StorageClass) field.ErrorList {
	errs := validateMeta(&sc.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateStorageClassBody(sc)...)
}

// validateStorageClassBody holds the StorageClass rules shared by create
// and update.
func validateStorageClassBody(sc *storagev1.StorageClass) field.ErrorList {
	errs := validateProvisioner(sc.Provisioner, field.NewPath("provisioner"))
	errs = append(errs, validateParameters(sc.Parameters, field.NewPath("parameters"))...)
	if r := sc.ReclaimPolicy; r != nil && *r != corev1.PersistentVolumeReclaimDelete && *r != corev1.PersistentVolumeReclaimRetain {
		errs = append(errs, field.NotSupported(field.NewPath("reclaimPolicy"), *r, supportedSCReclaim))
	}
	if m := sc.VolumeBindingMode; m == nil {
		errs = append(errs, field.Required(field.NewPath("volumeBindingMode"), ""))
	} else if *m != storagev1.VolumeBindingImmediate && *m != storagev1.VolumeBindingWaitForFirstConsumer {
		errs = append(errs, field.NotSupported(field.NewPath("volumeBindingMode"), *m, supportedBindingModes))
	}
	return errs
}

func validateProvisioner(v string, p *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	return qualifiedName(strings.ToLower(v), p)
}

func validateParameters(params map[string]string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(params) > maxProvisionerParameterLen {
		errs = append(errs, field.TooLong(p, "", maxProvisionerParameterLen))
		return errs
	}
	total := 0
	for k, v := range params {
		if k == "" {
			errs = append(errs, field.Invalid(p, k, "field can not be empty."))
		}
		total += len(k) + len(v)
	}
	if total > maxProvisionerParameterSize {
		errs = append(errs, field.TooLong(p, "", maxProvisionerParameterSize))
	}
	return errs
}

// ValidateStorageClassUpdate validates sc replacing old: what a class
// provisions is fixed, since existing volumes were made from it.
func ValidateStorageClassUpdate(sc, old *storagev1.StorageClass) field.ErrorList {
	errs := validateMetaUpdate(&sc.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, validateStorageClassBody(sc)...)
	if !reflect.DeepEqual(old.Parameters, sc.Parameters) {
		errs = append(errs, field.Forbidden(field.NewPath("parameters"), "updates to parameters are forbidden."))
	}
	if sc.Provisioner != old.Provisioner {
		errs = append(errs, field.Forbidden(field.NewPath("provisioner"), "updates to provisioner are forbidden."))
	}
	if !equality.Semantic.DeepEqual(sc.ReclaimPolicy, old.ReclaimPolicy) {
		errs = append(errs, field.Forbidden(field.NewPath("reclaimPolicy"), "updates to reclaimPolicy are forbidden."))
	}
	errs = append(errs, immutable(sc.VolumeBindingMode, old.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
	return errs
}

// pvcStatusErrors checks a claim status write: capacity quantities sane.
func pvcStatusErrors(c *corev1.PersistentVolumeClaim) field.ErrorList {
	var errs field.ErrorList
	for name, q := range c.Status.Capacity {
		errs = append(errs, nonNegativeQuantity(q, field.NewPath("status", "capacity").Key(string(name)))...)
	}
	return errs
}

// ValidatePersistentVolumeClaimStatusUpdate validates a write to
// persistentvolumeclaims/status: metadata rules and sane capacities.
func ValidatePersistentVolumeClaimStatusUpdate(c, old *corev1.PersistentVolumeClaim) field.ErrorList {
	errs := validateMetaUpdate(&c.ObjectMeta, &old.ObjectMeta)
	return append(errs, pvcStatusErrors(c)...)
}
