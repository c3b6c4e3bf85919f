package validation

import (
	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateStorageVersionMigration validates a new migration: the
// resource it migrates.
func ValidateStorageVersionMigration(m *storagemigrationv1.StorageVersionMigration) field.ErrorList {
	errs := validateMeta(&m.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	if m.Spec.Resource.Resource == "" {
		errs = append(errs, field.Required(specPath.Child("resource", "resource"), "resource is required"))
	}
	return errs
}

// ValidateStorageVersionMigrationUpdate keeps the spec, which is immutable.
func ValidateStorageVersionMigrationUpdate(m, old *storagemigrationv1.StorageVersionMigration) field.ErrorList {
	errs := validateMetaUpdate(&m.ObjectMeta, &old.ObjectMeta)
	return append(errs, immutable(m.Spec, old.Spec, specPath)...)
}
