package validation

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/api/defaults"
)

func validWebhook(name string) admissionregistrationv1.ValidatingWebhook {
	return admissionregistrationv1.ValidatingWebhook{
		Name:                    name,
		ClientConfig:            admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: "ns", Name: "svc", Path: ptr.To("/validate")}},
		Rules:                   []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{"CREATE"}, Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}}}},
		SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
		AdmissionReviewVersions: []string{"v1"},
	}
}

func TestValidatingWebhookConfiguration(t *testing.T) {
	cfg := func(hooks ...admissionregistrationv1.ValidatingWebhook) *admissionregistrationv1.ValidatingWebhookConfiguration {
		c := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Webhooks: hooks}
		defaults.ValidatingWebhookConfiguration(c)
		return c
	}
	expectErrs(t, ValidateValidatingWebhookConfiguration(cfg(validWebhook("deny.example.com"))))

	bad := validWebhook("deny")
	bad.ClientConfig.URL = ptr.To("http://x/y?z")
	bad.SideEffects = nil
	bad.AdmissionReviewVersions = nil
	bad.FailurePolicy = ptr.To(admissionregistrationv1.FailurePolicyType("Sometimes"))
	bad.TimeoutSeconds = ptr.To[int32](31)
	bad.Rules[0].Operations = []admissionregistrationv1.OperationType{"*", "CREATE"}
	bad.Rules[0].Resources = nil
	bad.MatchConditions = []admissionregistrationv1.MatchCondition{{Name: "a", Expression: "object.metadata.name =="}, {Name: "a", Expression: "true"}}
	errs := ValidateValidatingWebhookConfiguration(cfg(bad, validWebhook("dup.example.com"), validWebhook("dup.example.com")))
	expectErrs(t, errs,
		inv("webhooks[0].name"),
		req("webhooks[0].clientConfig"),
		req("webhooks[0].sideEffects"),
		req("webhooks[0].admissionReviewVersions"),
		notSup("webhooks[0].failurePolicy"),
		inv("webhooks[0].timeoutSeconds"),
		inv("webhooks[0].rules[0].operations"),
		req("webhooks[0].rules[0].resources"),
		inv("webhooks[0].matchConditions[0].expression"),
		dup("webhooks[0].matchConditions[1].name"),
		dup("webhooks[2].name"),
	)
	expectDetail(t, errs, "webhooks[0].name", "should be a domain with at least three segments separated by dots")
	expectDetail(t, errs, "webhooks[0].clientConfig", "exactly one of url or service is required")
}

func TestMutatingWebhookConfigurationReinvocation(t *testing.T) {
	w := validWebhook("m.example.com")
	c := &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Webhooks: []admissionregistrationv1.MutatingWebhook{{
		Name: w.Name, ClientConfig: w.ClientConfig, Rules: w.Rules, SideEffects: w.SideEffects, AdmissionReviewVersions: w.AdmissionReviewVersions,
		ReinvocationPolicy: ptr.To(admissionregistrationv1.ReinvocationPolicyType("Always")),
	}}}
	defaults.MutatingWebhookConfiguration(c)
	expectErrs(t, ValidateMutatingWebhookConfiguration(c), notSup("webhooks[0].reinvocationPolicy"))
}

func TestValidatingAdmissionPolicyAndBinding(t *testing.T) {
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "demo-policy.example.com"}, Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
		MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{"CREATE", "UPDATE"},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}},
		}}}},
		Validations: []admissionregistrationv1.Validation{{Expression: "object.spec.replicas <= 5"}},
	}}
	defaults.ValidatingAdmissionPolicy(policy)
	expectErrs(t, ValidateValidatingAdmissionPolicy(policy))

	policy.Spec.Validations = []admissionregistrationv1.Validation{{Expression: "object.spec.replicas <="}, {Expression: " ", Message: "a\nb"}}
	policy.Spec.MatchConstraints.ResourceRules = nil
	expectErrs(t, ValidateValidatingAdmissionPolicy(policy),
		inv("spec.validations[0].expression"), req("spec.validations[1].expression"), inv("spec.validations[1].message"),
		req("spec.matchConstraints.resourceRules"))
	policy.Spec.Validations = nil
	expectErrs(t, ValidateValidatingAdmissionPolicy(policy),
		req("spec.validations"), req("spec.auditAnnotations"), req("spec.matchConstraints.resourceRules"))

	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: "b"}}
	defaults.ValidatingAdmissionPolicyBinding(binding)
	expectErrs(t, ValidateValidatingAdmissionPolicyBinding(binding), req("spec.policyName"), req("spec.validationActions"))
	binding.Spec = admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "p", ValidationActions: []admissionregistrationv1.ValidationAction{"Deny", "Warn"},
		ParamRef: &admissionregistrationv1.ParamRef{}}
	expectErrs(t, ValidateValidatingAdmissionPolicyBinding(binding), inv("spec.validationActions"), req("spec.paramRef"), req("spec.paramRef.parameterNotFoundAction"))
}

func TestMutatingAdmissionPolicy(t *testing.T) {
	p := &admissionregistrationv1.MutatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "m"}, Spec: admissionregistrationv1.MutatingAdmissionPolicySpec{
		MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{"CREATE"},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
		}}}},
		Mutations: []admissionregistrationv1.Mutation{{PatchType: admissionregistrationv1.PatchTypeApplyConfiguration, ApplyConfiguration: &admissionregistrationv1.ApplyConfiguration{
			Expression: `Object{metadata: Object.metadata{labels: {"a": "b"}}}`,
		}}},
	}}
	defaults.MutatingAdmissionPolicy(p)
	expectErrs(t, ValidateMutatingAdmissionPolicy(p))
	p.Spec.Mutations = append(p.Spec.Mutations, admissionregistrationv1.Mutation{PatchType: admissionregistrationv1.PatchTypeJSONPatch})
	expectErrs(t, ValidateMutatingAdmissionPolicy(p), req("spec.mutations[1].jsonPatch"))
}
