package validation

import (
	nodev1 "k8s.io/api/node/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var handlerPath = field.NewPath("handler")

// ValidateRuntimeClass validates a new RuntimeClass: a handler that is a
// DNS label, a non-negative overhead and well-formed scheduling.
func ValidateRuntimeClass(rc *nodev1.RuntimeClass) field.ErrorList {
	errs := validateMeta(&rc.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateRuntimeClassFields(rc)...)
}

func validateRuntimeClassFields(rc *nodev1.RuntimeClass) field.ErrorList {
	var errs field.ErrorList
	if rc.Handler == "" {
		errs = append(errs, field.Required(handlerPath, ""))
	} else {
		errs = append(errs, dnsLabel(rc.Handler, handlerPath)...)
	}
	if rc.Overhead != nil {
		for name, q := range rc.Overhead.PodFixed {
			errs = append(errs, nonNegativeQuantity(q, field.NewPath("overhead", "podFixed").Key(string(name)))...)
		}
	}
	if s := rc.Scheduling; s != nil {
		for k, val := range s.NodeSelector {
			p := field.NewPath("scheduling", "nodeSelector")
			errs = append(errs, qualifiedName(k, p)...)
			errs = append(errs, labelValue(val, p.Key(k))...)
		}
		errs = append(errs, validateTolerations(s.Tolerations, field.NewPath("scheduling", "tolerations"))...)
	}
	return errs
}

// ValidateRuntimeClassUpdate keeps the handler, which is immutable.
func ValidateRuntimeClassUpdate(rc, old *nodev1.RuntimeClass) field.ErrorList {
	errs := validateMetaUpdate(&rc.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, immutable(rc.Handler, old.Handler, handlerPath)...)
	return append(errs, validateRuntimeClassFields(rc)...)
}
