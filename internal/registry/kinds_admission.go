package registry

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ordo-dev/ordo/internal/api/defaults"
	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// apiExtensions is Kubernetes' category of the kinds that extend the API
// server (kubectl get api-extensions).
var apiExtensions = []string{"api-extensions"}

// admissionregistrationGroup serves admissionregistration.k8s.io/v1, which
// Kubernetes 1.37 serves by default: webhook configurations and
// validating and mutating admission policies with their bindings. The
// admission plugins of internal/apiserver read them through informers.
func admissionregistrationGroup() Group {
	gv := admissionregistrationv1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: admissionregistrationv1.AddToScheme, Kinds: []*Resource{
		kind(gv, "validatingwebhookconfigurations", &admissionregistrationv1.ValidatingWebhookConfiguration{}, &admissionregistrationv1.ValidatingWebhookConfigurationList{}).
			cluster().in(apiExtensions...).with(webhooksGeneration).
			defaulting(typed(defaults.ValidatingWebhookConfiguration)).
			rules(v.For(v.ValidateValidatingWebhookConfiguration, v.ValidateValidatingWebhookConfigurationUpdate, nil)).
			columns(printers.ValidatingWebhookConfigurations()),
		kind(gv, "mutatingwebhookconfigurations", &admissionregistrationv1.MutatingWebhookConfiguration{}, &admissionregistrationv1.MutatingWebhookConfigurationList{}).
			cluster().in(apiExtensions...).with(webhooksGeneration).
			defaulting(typed(defaults.MutatingWebhookConfiguration)).
			rules(v.For(v.ValidateMutatingWebhookConfiguration, v.ValidateMutatingWebhookConfigurationUpdate, nil)).
			columns(printers.MutatingWebhookConfigurations()),
		kind(gv, "validatingadmissionpolicies", &admissionregistrationv1.ValidatingAdmissionPolicy{}, &admissionregistrationv1.ValidatingAdmissionPolicyList{}).
			cluster().in(apiExtensions...).sub("status").
			defaulting(typed(defaults.ValidatingAdmissionPolicy)).
			rules(v.For(v.ValidateValidatingAdmissionPolicy, v.ValidateValidatingAdmissionPolicyUpdate, v.ValidateValidatingAdmissionPolicyStatusUpdate)).
			columns(printers.ValidatingAdmissionPolicies()),
		kind(gv, "validatingadmissionpolicybindings", &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}, &admissionregistrationv1.ValidatingAdmissionPolicyBindingList{}).
			cluster().in(apiExtensions...).
			defaulting(typed(defaults.ValidatingAdmissionPolicyBinding)).
			rules(v.For(v.ValidateValidatingAdmissionPolicyBinding, v.ValidateValidatingAdmissionPolicyBindingUpdate, nil)).
			columns(printers.ValidatingAdmissionPolicyBindings()),
		kind(gv, "mutatingadmissionpolicies", &admissionregistrationv1.MutatingAdmissionPolicy{}, &admissionregistrationv1.MutatingAdmissionPolicyList{}).
			cluster().in(apiExtensions...).
			defaulting(typed(defaults.MutatingAdmissionPolicy)).
			rules(v.For(v.ValidateMutatingAdmissionPolicy, v.ValidateMutatingAdmissionPolicyUpdate, nil)).
			columns(printers.MutatingAdmissionPolicies()),
		kind(gv, "mutatingadmissionpolicybindings", &admissionregistrationv1.MutatingAdmissionPolicyBinding{}, &admissionregistrationv1.MutatingAdmissionPolicyBindingList{}).
			cluster().in(apiExtensions...).
			defaulting(typed(defaults.MutatingAdmissionPolicyBinding)).
			rules(v.For(v.ValidateMutatingAdmissionPolicyBinding, v.ValidateMutatingAdmissionPolicyBindingUpdate, nil)).
			columns(printers.MutatingAdmissionPolicyBindings()),
	}}
}

// webhooksGeneration gives webhook configurations, which have no spec, a
// generation as Kubernetes does: 1 at create, bumped when the webhooks
// change.
var webhooksGeneration = Hooks{
	PrepareForCreate: func(_ context.Context, obj runtime.Object) {
		if m, err := meta.Accessor(obj); err == nil {
			m.SetGeneration(1)
		}
	},
	PrepareForUpdate: func(obj, old runtime.Object) {
		if !fieldChanged(obj, old, "Webhooks") {
			return
		}
		n, err1 := meta.Accessor(obj)
		o, err2 := meta.Accessor(old)
		if err1 == nil && err2 == nil {
			n.SetGeneration(o.GetGeneration() + 1)
		}
	},
}
