package validation

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Kubernetes' enumerations for admission policies.
var (
	validationActions       = []string{string(admissionregistrationv1.Audit), string(admissionregistrationv1.Deny), string(admissionregistrationv1.Warn)}
	validationReasons       = []string{string(metav1.StatusReasonForbidden), string(metav1.StatusReasonInvalid), string(metav1.StatusReasonRequestEntityTooLarge)}
	parameterNotFoundAction = []string{string(admissionregistrationv1.DenyAction), string(admissionregistrationv1.AllowAction)}
	patchTypes              = []string{string(admissionregistrationv1.PatchTypeApplyConfiguration), string(admissionregistrationv1.PatchTypeJSONPatch)}
	celIdentifier           = regexp.MustCompile(`^[_a-zA-Z][_a-zA-Z0-9]*$`)
	celReserved             = sets.New("true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function",
		"if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while")
)

const maxAuditAnnotations = 20

// ValidateValidatingAdmissionPolicy is Kubernetes' validation of a
// ValidatingAdmissionPolicy: failurePolicy, paramKind, matchConstraints
// with at least one resource rule, match conditions, variables, and at
// least one validation or audit annotation, every CEL expression
// compiling.
func ValidateValidatingAdmissionPolicy(p *admissionregistrationv1.ValidatingAdmissionPolicy) field.ErrorList {
	errs := validateMeta(&p.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateVAPSpec(p.Name, &p.Spec, field.NewPath("spec"))...)
}

// ValidateValidatingAdmissionPolicyUpdate validates p replacing old.
func ValidateValidatingAdmissionPolicyUpdate(p, old *admissionregistrationv1.ValidatingAdmissionPolicy) field.ErrorList {
	errs := validateMetaUpdate(&p.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateVAPSpec(p.Name, &p.Spec, field.NewPath("spec"))...)
}

func validateVAPSpec(name string, s *admissionregistrationv1.ValidatingAdmissionPolicySpec, p *field.Path) field.ErrorList {
	params := s.ParamKind != nil
	errs := validatePolicyCommon(s.FailurePolicy, s.ParamKind, s.MatchConstraints, p)
	errs = append(errs, validateMatchConditions(s.MatchConditions, params, p.Child("matchConditions"))...)
	cel := newCELChecker(len(s.Variables) > 0)
	errs = append(errs, validateVariables(cel, s.Variables, params, p.Child("variables"))...)
	if len(s.Validations) == 0 && len(s.AuditAnnotations) == 0 {
		const msg = "validations or auditAnnotations must contain at least one item"
		return append(errs, field.Required(p.Child("validations"), msg), field.Required(p.Child("auditAnnotations"), msg))
	}
	for i := range s.Validations {
		errs = append(errs, validateValidation(cel, &s.Validations[i], params, p.Child("validations").Index(i))...)
	}
	if len(s.AuditAnnotations) > maxAuditAnnotations {
		errs = append(errs, field.Invalid(p.Child("auditAnnotations"), s.AuditAnnotations, fmt.Sprintf("must not have more than %d auditAnnotations", maxAuditAnnotations)))
	}
	keys := sets.New[string]()
	for i, a := range s.AuditAnnotations {
		ap := p.Child("auditAnnotations").Index(i)
		errs = append(errs, qualifiedName(name+"/"+a.Key, ap.Child("key"))...)
		if keys.Has(a.Key) {
			errs = append(errs, field.Duplicate(ap.Child("key"), a.Key))
		}
		keys.Insert(a.Key)
		if strings.TrimSpace(a.ValueExpression) == "" {
			errs = append(errs, field.Required(ap.Child("valueExpression"), "valueExpression is not specified"))
		} else {
			errs = append(errs, cel.auditAnnotation(a.ValueExpression, params, ap.Child("valueExpression"))...)
		}
	}
	return errs
}

// validatePolicyCommon checks what validating and mutating policies
// share: failurePolicy (defaulted, so required), paramKind and the match
// constraints.
func validatePolicyCommon(failure *admissionregistrationv1.FailurePolicyType, kind *admissionregistrationv1.ParamKind,
	match *admissionregistrationv1.MatchResources, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case failure == nil:
		errs = append(errs, field.Required(p.Child("failurePolicy"), ""))
	case !slices.Contains(failurePolicies, string(*failure)):
		errs = append(errs, field.NotSupported(p.Child("failurePolicy"), *failure, failurePolicies))
	}
	if kind != nil {
		errs = append(errs, validateParamKind(kind, p.Child("paramKind"))...)
	}
	if match == nil {
		return append(errs, field.Required(p.Child("matchConstraints"), ""))
	}
	errs = append(errs, validateMatchResources(match, p.Child("matchConstraints"))...)
	if len(match.ResourceRules) == 0 {
		errs = append(errs, field.Required(p.Child("matchConstraints", "resourceRules"), ""))
	}
	return errs
}

func validateParamKind(k *admissionregistrationv1.ParamKind, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if k.APIVersion == "" {
		errs = append(errs, field.Required(p.Child("apiVersion"), ""))
	} else if gv, err := schema.ParseGroupVersion(k.APIVersion); err != nil {
		errs = append(errs, field.Invalid(p.Child("apiVersion"), k.APIVersion, err.Error()))
	} else {
		if gv.Group != "" {
			if msgs := utilvalidation.IsDNS1123Subdomain(gv.Group); len(msgs) > 0 {
				errs = append(errs, field.Invalid(p.Child("apiVersion"), gv.Group, strings.Join(msgs, ",")))
			}
		}
		if gv.Version == "" {
			errs = append(errs, field.Invalid(p.Child("apiVersion"), k.APIVersion, "version must be specified"))
		} else if msgs := utilvalidation.IsDNS1035Label(gv.Version); len(msgs) > 0 {
			errs = append(errs, field.Invalid(p.Child("apiVersion"), gv.Version, strings.Join(msgs, ",")))
		}
	}
	if k.Kind == "" {
		errs = append(errs, field.Required(p.Child("kind"), ""))
	} else if msgs := utilvalidation.IsDNS1035Label(strings.ToLower(k.Kind)); len(msgs) > 0 {
		errs = append(errs, field.Invalid(p.Child("kind"), k.Kind, "may have mixed case, but should otherwise match: "+strings.Join(msgs, ",")))
	}
	return errs
}

// validateMatchResources: the defaulted matchPolicy and selectors, and the
// resource rules (names unique path segments).
func validateMatchResources(m *admissionregistrationv1.MatchResources, p *field.Path) field.ErrorList {
	if m == nil {
		return nil
	}
	var errs field.ErrorList
	switch {
	case m.MatchPolicy == nil:
		errs = append(errs, field.Required(p.Child("matchPolicy"), ""))
	case !slices.Contains(matchPolicies, string(*m.MatchPolicy)):
		errs = append(errs, field.NotSupported(p.Child("matchPolicy"), *m.MatchPolicy, matchPolicies))
	}
	for _, s := range []struct {
		sel  *metav1.LabelSelector
		name string
	}{{m.NamespaceSelector, "namespaceSelector"}, {m.ObjectSelector, "objectSelector"}} {
		if s.sel == nil {
			errs = append(errs, field.Required(p.Child(s.name), ""))
		} else {
			errs = append(errs, metavalidation.ValidateLabelSelector(s.sel, metavalidation.LabelSelectorValidationOptions{}, p.Child(s.name))...)
		}
	}
	for i := range m.ResourceRules {
		errs = append(errs, validateNamedRule(&m.ResourceRules[i], p.Child("resourceRules").Index(i))...)
	}
	for i := range m.ExcludeResourceRules {
		errs = append(errs, validateNamedRule(&m.ExcludeResourceRules[i], p.Child("excludeResourceRules").Index(i))...)
	}
	return errs
}

func validateNamedRule(r *admissionregistrationv1.NamedRuleWithOperations, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, n := range r.ResourceNames {
		errs = append(errs, msgsToErrs(path.ValidatePathSegmentName(n, false), n, p.Child("resourceNames").Index(i))...)
		if names.Has(n) {
			errs = append(errs, field.Duplicate(p.Child("resourceNames").Index(i), n))
		}
		names.Insert(n)
	}
	return append(errs, validateRuleWithOperations(&r.RuleWithOperations, p)...)
}

func validateVariables(cel *celChecker, vars []admissionregistrationv1.Variable, params bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, v := range vars {
		vp := p.Index(i)
		if strings.TrimSpace(v.Name) == "" {
			errs = append(errs, field.Required(vp.Child("name"), "name is not specified"))
		} else if !celIdentifier.MatchString(v.Name) || celReserved.Has(v.Name) {
			errs = append(errs, field.Invalid(vp.Child("name"), v.Name, "name is not a valid CEL identifier"))
		}
		if strings.TrimSpace(v.Expression) == "" {
			errs = append(errs, field.Required(vp.Child("expression"), "expression is not specified"))
		} else {
			errs = append(errs, cel.variable(v.Name, v.Expression, params, vp.Child("expression"))...)
		}
	}
	return errs
}

func validateValidation(cel *celChecker, v *admissionregistrationv1.Validation, params bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if strings.TrimSpace(v.Expression) == "" {
		errs = append(errs, field.Required(p.Child("expression"), "expression is not specified"))
	} else {
		errs = append(errs, cel.validation(v.Expression, params, p.Child("expression"))...)
	}
	msgExpr := strings.TrimSpace(v.MessageExpression)
	if v.MessageExpression != "" && msgExpr == "" {
		errs = append(errs, field.Invalid(p.Child("messageExpression"), v.MessageExpression, "must be non-empty if specified"))
	} else if msgExpr != "" {
		errs = append(errs, cel.messageExpression(v.MessageExpression, params, p.Child("messageExpression"))...)
	}
	msg := strings.TrimSpace(v.Message)
	if v.Message != "" && msg == "" {
		errs = append(errs, field.Invalid(p.Child("message"), v.Message, "message must be non-empty if specified"))
	} else if strings.ContainsAny(msg, "\n\r") {
		errs = append(errs, field.Invalid(p.Child("message"), v.Message, "message must not contain line breaks"))
	}
	if v.Reason != nil && !slices.Contains(validationReasons, string(*v.Reason)) {
		errs = append(errs, field.NotSupported(p.Child("reason"), *v.Reason, validationReasons))
	}
	return errs
}

// ValidateValidatingAdmissionPolicyBinding: policyName, paramRef, match
// resources and validationActions.
func ValidateValidatingAdmissionPolicyBinding(b *admissionregistrationv1.ValidatingAdmissionPolicyBinding) field.ErrorList {
	errs := validateMeta(&b.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateVAPBindingSpec(&b.Spec)...)
}

// ValidateValidatingAdmissionPolicyBindingUpdate validates b replacing old.
func ValidateValidatingAdmissionPolicyBindingUpdate(b, old *admissionregistrationv1.ValidatingAdmissionPolicyBinding) field.ErrorList {
	errs := validateMetaUpdate(&b.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateVAPBindingSpec(&b.Spec)...)
}

func validateVAPBindingSpec(s *admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec) field.ErrorList {
	p := field.NewPath("spec")
	errs := validateBindingCommon(s.PolicyName, s.ParamRef, s.MatchResources, p)
	return append(errs, validateValidationActions(s.ValidationActions, p.Child("validationActions"))...)
}

func validateBindingCommon(policy string, ref *admissionregistrationv1.ParamRef, match *admissionregistrationv1.MatchResources, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if policy == "" {
		errs = append(errs, field.Required(p.Child("policyName"), ""))
	} else {
		errs = append(errs, msgsToErrs(apivalidation.NameIsDNSSubdomain(policy, false), policy, p.Child("policyName"))...)
	}
	errs = append(errs, validateParamRef(ref, p.Child("paramRef"))...)
	return append(errs, validateMatchResources(match, p.Child("matchResources"))...)
}

func validateParamRef(r *admissionregistrationv1.ParamRef, p *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	var errs field.ErrorList
	if r.Name != "" {
		errs = append(errs, msgsToErrs(path.ValidatePathSegmentName(r.Name, false), r.Name, p.Child("name"))...)
		if r.Selector != nil {
			errs = append(errs, field.Forbidden(p.Child("name"), "name and selector are mutually exclusive"))
		}
	}
	if r.Selector != nil {
		errs = append(errs, metavalidation.ValidateLabelSelector(r.Selector, metavalidation.LabelSelectorValidationOptions{}, p.Child("selector"))...)
		if r.Name != "" {
			errs = append(errs, field.Forbidden(p.Child("selector"), "name and selector are mutually exclusive"))
		}
	}
	if r.Name == "" && r.Selector == nil {
		errs = append(errs, field.Required(p, "one of name or selector must be specified"))
	}
	switch a := r.ParameterNotFoundAction; {
	case a == nil || *a == "":
		errs = append(errs, field.Required(p.Child("parameterNotFoundAction"), ""))
	case !slices.Contains(parameterNotFoundAction, string(*a)):
		errs = append(errs, field.NotSupported(p.Child("parameterNotFoundAction"), *a, parameterNotFoundAction))
	}
	return errs
}

func validateValidationActions(actions []admissionregistrationv1.ValidationAction, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[admissionregistrationv1.ValidationAction]()
	for i, a := range actions {
		if !slices.Contains(validationActions, string(a)) {
			errs = append(errs, field.NotSupported(p.Index(i), a, validationActions))
		}
		if seen.Has(a) {
			errs = append(errs, field.Duplicate(p.Index(i), a))
		}
		seen.Insert(a)
	}
	if seen.Has(admissionregistrationv1.Deny) && seen.Has(admissionregistrationv1.Warn) {
		errs = append(errs, field.Invalid(p, actions, "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)"))
	}
	if len(seen) == 0 {
		errs = append(errs, field.Required(p, "at least one validation action is required"))
	}
	return errs
}

// ValidateMutatingAdmissionPolicy: what validating policies check, and at
// least one mutation, each of a supported patchType with its expression
// (which must compile), and the reinvocationPolicy.
func ValidateMutatingAdmissionPolicy(p *admissionregistrationv1.MutatingAdmissionPolicy) field.ErrorList {
	errs := validateMeta(&p.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateMAPSpec(&p.Spec, field.NewPath("spec"))...)
}

// ValidateMutatingAdmissionPolicyUpdate validates p replacing old.
func ValidateMutatingAdmissionPolicyUpdate(p, old *admissionregistrationv1.MutatingAdmissionPolicy) field.ErrorList {
	errs := validateMetaUpdate(&p.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateMAPSpec(&p.Spec, field.NewPath("spec"))...)
}

func validateMAPSpec(s *admissionregistrationv1.MutatingAdmissionPolicySpec, p *field.Path) field.ErrorList {
	params := s.ParamKind != nil
	errs := validatePolicyCommon(s.FailurePolicy, s.ParamKind, s.MatchConstraints, p)
	errs = append(errs, validateMatchConditions(s.MatchConditions, params, p.Child("matchConditions"))...)
	cel := newCELChecker(len(s.Variables) > 0)
	errs = append(errs, validateVariables(cel, s.Variables, params, p.Child("variables"))...)
	if r := s.ReinvocationPolicy; r != "" && !slices.Contains(reinvocationPolicies, string(r)) {
		errs = append(errs, field.NotSupported(p.Child("reinvocationPolicy"), r, reinvocationPolicies))
	}
	if len(s.Mutations) == 0 {
		errs = append(errs, field.Required(p.Child("mutations"), "mutations must contain at least one item"))
	}
	for i := range s.Mutations {
		errs = append(errs, validateMutation(cel, &s.Mutations[i], params, p.Child("mutations").Index(i))...)
	}
	return errs
}

func validateMutation(cel *celChecker, m *admissionregistrationv1.Mutation, params bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	expr := func(e string, jsonPatch bool, ep *field.Path) {
		if strings.TrimSpace(e) == "" {
			errs = append(errs, field.Required(ep, ""))
		} else {
			errs = append(errs, cel.mutation(e, jsonPatch, params, ep)...)
		}
	}
	switch m.PatchType {
	case "":
		errs = append(errs, field.Required(p.Child("patchType"), ""))
	case admissionregistrationv1.PatchTypeApplyConfiguration:
		if m.ApplyConfiguration == nil {
			errs = append(errs, field.Required(p.Child("applyConfiguration"), "applyConfiguration is required when patchType is ApplyConfiguration"))
		} else {
			expr(m.ApplyConfiguration.Expression, false, p.Child("applyConfiguration", "expression"))
		}
		if m.JSONPatch != nil {
			errs = append(errs, field.Invalid(p.Child("jsonPatch"), m.JSONPatch, "jsonPatch must not be set when patchType is ApplyConfiguration"))
		}
	case admissionregistrationv1.PatchTypeJSONPatch:
		if m.JSONPatch == nil {
			errs = append(errs, field.Required(p.Child("jsonPatch"), "jsonPatch is required when patchType is JSONPatch"))
		} else {
			expr(m.JSONPatch.Expression, true, p.Child("jsonPatch", "expression"))
		}
		if m.ApplyConfiguration != nil {
			errs = append(errs, field.Invalid(p.Child("applyConfiguration"), m.ApplyConfiguration, "applyConfiguration must not be set when patchType is JSONPatch"))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("patchType"), m.PatchType, patchTypes))
	}
	return errs
}

// ValidateMutatingAdmissionPolicyBinding: policyName, paramRef and match
// resources.
func ValidateMutatingAdmissionPolicyBinding(b *admissionregistrationv1.MutatingAdmissionPolicyBinding) field.ErrorList {
	errs := validateMeta(&b.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateBindingCommon(b.Spec.PolicyName, b.Spec.ParamRef, b.Spec.MatchResources, field.NewPath("spec"))...)
}

// ValidateMutatingAdmissionPolicyBindingUpdate validates b replacing old.
func ValidateMutatingAdmissionPolicyBindingUpdate(b, old *admissionregistrationv1.MutatingAdmissionPolicyBinding) field.ErrorList {
	errs := validateMetaUpdate(&b.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateBindingCommon(b.Spec.PolicyName, b.Spec.ParamRef, b.Spec.MatchResources, field.NewPath("spec"))...)
}

// ValidateValidatingAdmissionPolicyStatusUpdate checks the status a type
// checker writes: each expression warning has a warning and a field
// reference, and the conditions are well formed.
func ValidateValidatingAdmissionPolicyStatusUpdate(p, old *admissionregistrationv1.ValidatingAdmissionPolicy) field.ErrorList {
	errs := validateMetaUpdate(&p.ObjectMeta, &old.ObjectMeta)
	sp := field.NewPath("status")
	if tc := p.Status.TypeChecking; tc != nil {
		for i, w := range tc.ExpressionWarnings {
			wp := sp.Child("typeChecking", "expressionWarnings").Index(i)
			if w.Warning == "" {
				errs = append(errs, field.Required(wp.Child("warning"), ""))
			}
			if strings.TrimSpace(w.FieldRef) == "" {
				errs = append(errs, field.Required(wp.Child("fieldRef"), ""))
			}
		}
	}
	return append(errs, metavalidation.ValidateConditions(p.Status.Conditions, sp.Child("conditions"))...)
}
