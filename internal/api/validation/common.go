package validation

import (
	"fmt"
	"math"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Kubernetes' shared error details, kept verbatim so messages match.
const (
	isNotPositiveErrorMsg  = "must be greater than zero"
	selectorMismatchErrMsg = "`selector` does not match template `labels`"
	fileModeErrorMsg       = "must be a number between 0 and 0777 (octal), both inclusive"
)

var metadataPath = field.NewPath("metadata")

// validateMeta runs apimachinery's create-time metadata checks (name rule,
// namespace presence, labels, annotations, owner references, finalizers).
func validateMeta(m *metav1.ObjectMeta, namespaced bool, nameFn apivalidation.ValidateNameFunc) field.ErrorList {
	return apivalidation.ValidateObjectMeta(m, namespaced, nameFn, metadataPath)
}

// validateMetaUpdate runs apimachinery's update-time metadata checks, which
// also re-validate labels and annotations of the new object.
func validateMetaUpdate(m, old *metav1.ObjectMeta) field.ErrorList {
	return apivalidation.ValidateObjectMetaUpdate(m, old, metadataPath)
}

// nonNegative is Kubernetes' "must be greater than or equal to 0" check.
func nonNegative(v int64, p *field.Path) field.ErrorList {
	return apivalidation.ValidateNonnegativeField(v, p)
}

// nonNegative32 checks an optional int32 field when it is set.
func nonNegative32(v *int32, p *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	return nonNegative(int64(*v), p)
}

// immutable is apimachinery's semantic "field is immutable" check.
func immutable(newVal, oldVal any, p *field.Path) field.ErrorList {
	return apivalidation.ValidateImmutableField(newVal, oldVal, p)
}

// dnsLabel reports each DNS-1123 label problem of value as Invalid.
func dnsLabel(value string, p *field.Path) field.ErrorList {
	return msgsToErrs(utilvalidation.IsDNS1123Label(value), value, p)
}

// dnsSubdomain reports each DNS-1123 subdomain problem of value as Invalid.
func dnsSubdomain(value string, p *field.Path) field.ErrorList {
	return msgsToErrs(utilvalidation.IsDNS1123Subdomain(value), value, p)
}

// qualifiedName reports each qualified-name (label key) problem as Invalid.
func qualifiedName(value string, p *field.Path) field.ErrorList {
	return msgsToErrs(content.IsQualifiedName(value), value, p)
}

// labelValue reports each label-value problem of value as Invalid.
func labelValue(value string, p *field.Path) field.ErrorList {
	return msgsToErrs(content.IsLabelValue(value), value, p)
}

// msgsToErrs turns the []string results of apimachinery's Is* checks into
// Invalid errors on one path, the way Kubernetes reports them.
func msgsToErrs(msgs []string, value any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, m := range msgs {
		errs = append(errs, field.Invalid(p, value, m))
	}
	return errs
}

// requiredName checks a reference to another object by name: required, and
// a DNS subdomain (the rule for ConfigMap, Secret, PVC and most names).
func requiredName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	return dnsSubdomain(name, p)
}

// portNum validates a port number in 1..65535.
func portNum(port int32, p *field.Path) field.ErrorList {
	return msgsToErrs(utilvalidation.IsValidPortNum(int(port)), port, p)
}

// portNumOrName validates an int-or-string port as Kubernetes does: a number
// in 1..65535 or an IANA_SVC_NAME.
func portNumOrName(port intstr.IntOrString, p *field.Path) field.ErrorList {
	if port.Type == intstr.String {
		return msgsToErrs(utilvalidation.IsValidPortName(port.StrVal), port.StrVal, p)
	}
	return msgsToErrs(utilvalidation.IsValidPortNum(port.IntValue()), port.IntValue(), p)
}

// validIP checks an IP address field with apimachinery's strict IP parser.
func validIP(value string, p *field.Path) field.ErrorList {
	return utilvalidation.IsValidIP(p, value)
}

// validCIDR checks a CIDR field with apimachinery's strict parser.
func validCIDR(value string, p *field.Path) field.ErrorList {
	return utilvalidation.IsValidCIDR(p, value)
}

// nonNegativeQuantity is Kubernetes' ValidateResourceQuantityValue core.
func nonNegativeQuantity(q resource.Quantity, p *field.Path) field.ErrorList {
	if q.Sign() < 0 {
		return field.ErrorList{field.Invalid(p, q.String(), apivalidation.IsNegativeErrorMsg)}
	}
	return nil
}

// positiveQuantity is Kubernetes' ValidatePositiveQuantityValue.
func positiveQuantity(q resource.Quantity, p *field.Path) field.ErrorList {
	if q.Sign() <= 0 {
		return field.ErrorList{field.Invalid(p, q.String(), isNotPositiveErrorMsg)}
	}
	return nil
}

// fileMode checks a volume file mode, 0..0777 as Kubernetes allows.
func fileMode(mode *int32, p *field.Path) field.ErrorList {
	if mode != nil && (*mode > 0o777 || *mode < 0) {
		return field.ErrorList{field.Invalid(p, *mode, fileModeErrorMsg)}
	}
	return nil
}

// inRange1MaxInt32 is the "must be between 1 and 2147483647" check used for
// pod activeDeadlineSeconds.
func inRange1MaxInt32(v int64, p *field.Path) field.ErrorList {
	if v < 1 || v > math.MaxInt32 {
		return field.ErrorList{field.Invalid(p, v, utilvalidation.InclusiveRangeError(1, math.MaxInt32))}
	}
	return nil
}

// selectorOpts are the label-selector options Kubernetes uses for newly
// written objects: label values inside selectors must be valid.
var selectorOpts = metavalidation.LabelSelectorValidationOptions{}

// validateWorkloadSelector checks a workload's required selector and that it
// selects the template's labels; kind names the workload in Kubernetes'
// "empty selector is invalid for <kind>" message.
func validateWorkloadSelector(sel *metav1.LabelSelector, tmplLabels map[string]string, kind string, specPath *field.Path) field.ErrorList {
	p := specPath.Child("selector")
	if sel == nil {
		return field.ErrorList{field.Required(p, "")}
	}
	errs := metavalidation.ValidateLabelSelector(sel, selectorOpts, p)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(p, sel, fmt.Sprintf("empty selector is invalid for %s", kind)))
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return append(errs, field.Invalid(p, sel, ""))
	}
	if !s.Empty() && !s.Matches(labels.Set(tmplLabels)) {
		errs = append(errs, field.Invalid(specPath.Child("template", "metadata", "labels"), tmplLabels, selectorMismatchErrMsg))
	}
	return errs
}
