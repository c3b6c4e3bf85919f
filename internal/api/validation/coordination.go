package validation

import (
	coordinationv1 "k8s.io/api/coordination/v1"
	coordinationv1beta1 "k8s.io/api/coordination/v1beta1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var leaseStrategies = []coordinationv1.CoordinatedLeaseStrategy{coordinationv1.OldestEmulationVersion}

// ValidateLeaseCandidate validates a new LeaseCandidate: the lease it runs
// for, its binary version and a strategy.
func ValidateLeaseCandidate(c *coordinationv1beta1.LeaseCandidate) field.ErrorList {
	errs := validateMeta(&c.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateLeaseCandidateSpec(&c.Spec)...)
}

func validateLeaseCandidateSpec(s *coordinationv1beta1.LeaseCandidateSpec) field.ErrorList {
	var errs field.ErrorList
	if s.LeaseName == "" {
		errs = append(errs, field.Required(specPath.Child("leaseName"), ""))
	}
	if s.BinaryVersion == "" {
		errs = append(errs, field.Required(specPath.Child("binaryVersion"), "must be non-empty"))
	}
	if s.Strategy == "" {
		errs = append(errs, field.Required(specPath.Child("strategy"), ""))
	} else if !oneOf(s.Strategy, leaseStrategies) && len(qualifiedName(string(s.Strategy), nil)) > 0 {
		errs = append(errs, field.NotSupported(specPath.Child("strategy"), s.Strategy, leaseStrategies))
	}
	return errs
}

// ValidateLeaseCandidateUpdate keeps the lease name, which is immutable.
func ValidateLeaseCandidateUpdate(c, old *coordinationv1beta1.LeaseCandidate) field.ErrorList {
	errs := validateMetaUpdate(&c.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, immutable(c.Spec.LeaseName, old.Spec.LeaseName, specPath.Child("leaseName"))...)
	return append(errs, validateLeaseCandidateSpec(&c.Spec)...)
}
