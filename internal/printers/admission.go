package printers

import (
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ValidatingWebhookConfigurations prints NAME WEBHOOKS AGE.
func ValidatingWebhookConfigurations() Printer {
	return printer[admissionregistrationv1.ValidatingWebhookConfiguration]{
		columns: columns(nameColumn(), webhooksColumn(), ageColumn()),
		cells: func(c *admissionregistrationv1.ValidatingWebhookConfiguration, now time.Time) ([]any, error) {
			return []any{c.Name, int64(len(c.Webhooks)), age(c.CreationTimestamp, now)}, nil
		},
	}
}

// MutatingWebhookConfigurations prints NAME WEBHOOKS AGE.
func MutatingWebhookConfigurations() Printer {
	return printer[admissionregistrationv1.MutatingWebhookConfiguration]{
		columns: columns(nameColumn(), webhooksColumn(), ageColumn()),
		cells: func(c *admissionregistrationv1.MutatingWebhookConfiguration, now time.Time) ([]any, error) {
			return []any{c.Name, int64(len(c.Webhooks)), age(c.CreationTimestamp, now)}, nil
		},
	}
}

func webhooksColumn() metav1.TableColumnDefinition {
	return column("Webhooks", "integer", "Webhooks indicates the number of webhooks in the configuration.")
}

// ValidatingAdmissionPolicies prints NAME VALIDATIONS PARAMKIND AGE.
func ValidatingAdmissionPolicies() Printer {
	return printer[admissionregistrationv1.ValidatingAdmissionPolicy]{
		columns: columns(nameColumn(),
			column("Validations", "integer", "Validations indicates the number of validation rules defined in this configuration"),
			paramKindColumn(), ageColumn()),
		cells: func(p *admissionregistrationv1.ValidatingAdmissionPolicy, now time.Time) ([]any, error) {
			return []any{p.Name, int64(len(p.Spec.Validations)), paramKind(p.Spec.ParamKind), age(p.CreationTimestamp, now)}, nil
		},
	}
}

// MutatingAdmissionPolicies prints NAME MUTATIONS PARAMKIND AGE.
func MutatingAdmissionPolicies() Printer {
	return printer[admissionregistrationv1.MutatingAdmissionPolicy]{
		columns: columns(nameColumn(),
			column("Mutations", "integer", "Mutation indicates the number of mutations rules defined in this configuration"),
			paramKindColumn(), ageColumn()),
		cells: func(p *admissionregistrationv1.MutatingAdmissionPolicy, now time.Time) ([]any, error) {
			return []any{p.Name, int64(len(p.Spec.Mutations)), paramKind(p.Spec.ParamKind), age(p.CreationTimestamp, now)}, nil
		},
	}
}

func paramKindColumn() metav1.TableColumnDefinition {
	return column("ParamKind", "string", "ParamKind specifies the kind of resources used to parameterize this policy")
}

func paramKind(k *admissionregistrationv1.ParamKind) string {
	if k == nil {
		return unset
	}
	return k.APIVersion + "/" + k.Kind
}

// ValidatingAdmissionPolicyBindings prints NAME POLICYNAME PARAMREF AGE.
func ValidatingAdmissionPolicyBindings() Printer {
	return printer[admissionregistrationv1.ValidatingAdmissionPolicyBinding]{
		columns: policyBindingColumns(),
		cells: func(b *admissionregistrationv1.ValidatingAdmissionPolicyBinding, now time.Time) ([]any, error) {
			return []any{b.Name, b.Spec.PolicyName, paramRef(b.Spec.ParamRef), age(b.CreationTimestamp, now)}, nil
		},
	}
}

// MutatingAdmissionPolicyBindings prints NAME POLICYNAME PARAMREF AGE.
func MutatingAdmissionPolicyBindings() Printer {
	return printer[admissionregistrationv1.MutatingAdmissionPolicyBinding]{
		columns: policyBindingColumns(),
		cells: func(b *admissionregistrationv1.MutatingAdmissionPolicyBinding, now time.Time) ([]any, error) {
			return []any{b.Name, b.Spec.PolicyName, paramRef(b.Spec.ParamRef), age(b.CreationTimestamp, now)}, nil
		},
	}
}

func policyBindingColumns() []metav1.TableColumnDefinition {
	return columns(nameColumn(),
		column("PolicyName", "string", "PolicyName indicates the policy definition which the policy binding binded to"),
		column("ParamRef", "string", "ParamRef indicates the param resource which sets the configration param"),
		ageColumn())
}

// paramRef is namespace/name, */name when the namespace is left to the
// request, the selector (as Kubernetes prints it, its Go form), or
// <unset>.
func paramRef(r *admissionregistrationv1.ParamRef) string {
	switch {
	case r == nil:
		return unset
	case r.Name != "" && r.Namespace != "":
		return r.Namespace + "/" + r.Name
	case r.Name != "":
		return "*/" + r.Name
	case r.Selector != nil:
		return r.Selector.String()
	}
	return unset
}
