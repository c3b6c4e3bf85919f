package validation

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// FlowSchema limits from Kubernetes.
const maxMatchingPrecedence = 10000

var (
	distinguisherMethods = []flowcontrolv1.FlowDistinguisherMethodType{flowcontrolv1.FlowDistinguisherMethodByUserType, flowcontrolv1.FlowDistinguisherMethodByNamespaceType}
	priorityLevelTypes   = []flowcontrolv1.PriorityLevelEnablement{flowcontrolv1.PriorityLevelEnablementExempt, flowcontrolv1.PriorityLevelEnablementLimited}
)

// ValidateFlowSchema validates a new FlowSchema: a priority level, a
// matching precedence in 1..10000 and a known distinguisher method.
func ValidateFlowSchema(fs *flowcontrolv1.FlowSchema) field.ErrorList {
	errs := validateMeta(&fs.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateFlowSchemaSpec(&fs.Spec)...)
}

func validateFlowSchemaSpec(s *flowcontrolv1.FlowSchemaSpec) field.ErrorList {
	var errs field.ErrorList
	if s.PriorityLevelConfiguration.Name == "" {
		errs = append(errs, field.Required(specPath.Child("priorityLevelConfiguration", "name"), "must reference a priority level"))
	}
	if s.MatchingPrecedence <= 0 || s.MatchingPrecedence > maxMatchingPrecedence {
		errs = append(errs, field.Invalid(specPath.Child("matchingPrecedence"), s.MatchingPrecedence, "must be between 1 and 10000 inclusively"))
	}
	if d := s.DistinguisherMethod; d != nil && !oneOf(d.Type, distinguisherMethods) {
		errs = append(errs, field.NotSupported(specPath.Child("distinguisherMethod", "type"), d.Type, distinguisherMethods))
	}
	for i, r := range s.Rules {
		if len(r.Subjects) == 0 {
			errs = append(errs, field.Required(specPath.Child("rules").Index(i).Child("subjects"), "subjects must contain at least one value"))
		}
	}
	return errs
}

// ValidateFlowSchemaUpdate validates an update; the spec may change.
func ValidateFlowSchemaUpdate(fs, old *flowcontrolv1.FlowSchema) field.ErrorList {
	errs := validateMetaUpdate(&fs.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateFlowSchemaSpec(&fs.Spec)...)
}

// ValidatePriorityLevelConfiguration validates a new priority level: its
// type, and the limits that type requires and only it allows.
func ValidatePriorityLevelConfiguration(pl *flowcontrolv1.PriorityLevelConfiguration) field.ErrorList {
	errs := validateMeta(&pl.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validatePriorityLevelSpec(&pl.Spec)...)
}

func validatePriorityLevelSpec(s *flowcontrolv1.PriorityLevelConfigurationSpec) field.ErrorList {
	tp := specPath.Child("type")
	switch s.Type {
	case "":
		return field.ErrorList{field.Required(tp, "must not be empty")}
	case flowcontrolv1.PriorityLevelEnablementExempt:
		if s.Limited != nil {
			return field.ErrorList{field.Forbidden(specPath.Child("limited"), "must be nil if the type is not Limited")}
		}
	case flowcontrolv1.PriorityLevelEnablementLimited:
		if s.Limited == nil {
			return field.ErrorList{field.Required(specPath.Child("limited"), "must not be empty when type is Limited")}
		}
		if s.Exempt != nil {
			return field.ErrorList{field.Forbidden(specPath.Child("exempt"), "must be nil if the type is Limited")}
		}
	default:
		return field.ErrorList{field.NotSupported(tp, s.Type, priorityLevelTypes)}
	}
	return nil
}

// ValidatePriorityLevelConfigurationUpdate keeps the type.
func ValidatePriorityLevelConfigurationUpdate(pl, old *flowcontrolv1.PriorityLevelConfiguration) field.ErrorList {
	errs := validateMetaUpdate(&pl.ObjectMeta, &old.ObjectMeta)
	return append(errs, validatePriorityLevelSpec(&pl.Spec)...)
}
