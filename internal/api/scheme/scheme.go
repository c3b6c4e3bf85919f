// Package scheme builds the runtime.Scheme that the API server, its storage and
// its codecs share.
//
// ordo serves the k8s.io/api types directly. k8s.io/apiserver expects every
// group to have an "internal" version that requests are converted into before
// they reach storage; kube-apiserver has separate internal Go types for that.
// ordo registers each group's storage version (v1) a second time under
// runtime.APIVersionInternal, so the conversion between them is the identity
// and nothing is copied field by field. Other served versions (batch/v1beta1
// CronJobs, autoscaling/v1 HorizontalPodAutoscalers) get explicit
// conversions to and from the storage version.
package scheme

import (
	"github.com/ordo-dev/ordo/internal/api/defaults"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// Group is one group version whose objects ordo stores, as the registry
// catalog describes it: its Go types, the kinds stored under it (also
// registered as the group's internal version) with their defaults, and the
// older versions served from the same storage.
type Group struct {
	Version     schema.GroupVersion
	AddToScheme func(*runtime.Scheme) error
	Kinds       []Kind
	AlsoServed  []schema.GroupVersion
}

// Kind is one stored kind: constructors of its object and list, and its
// defaults (nil: none).
type Kind struct {
	New, NewList func() runtime.Object
	Defaults     func(runtime.Object)
}

// internalTypes are the types, beyond the stored kinds, that requests carry
// and that therefore also need an internal version: subresource bodies and
// query options, and the groups that are asked, never stored.
type internalTypes struct {
	gv          schema.GroupVersion
	addToScheme func(*runtime.Scheme) error
	types       []runtime.Object
}

func requestTypes() []internalTypes {
	return []internalTypes{
		{corev1.SchemeGroupVersion, corev1.AddToScheme, []runtime.Object{
			&corev1.Binding{},
			&corev1.PodLogOptions{}, &corev1.PodExecOptions{},
			&corev1.PodAttachOptions{}, &corev1.PodPortForwardOptions{},
			&corev1.PodProxyOptions{}, &corev1.NodeProxyOptions{}, &corev1.ServiceProxyOptions{},
		}},
		{autoscalingv1.SchemeGroupVersion, autoscalingv1.AddToScheme, []runtime.Object{
			&autoscalingv1.Scale{},
		}},
		// TokenRequest is served only as serviceaccounts/token.
		{authenticationv1.SchemeGroupVersion, authenticationv1.AddToScheme, []runtime.Object{
			&authenticationv1.TokenRequest{}, &authenticationv1.SelfSubjectReview{}, &authenticationv1.TokenReview{},
		}},
		// Eviction is served only as pods/eviction.
		{policyv1.SchemeGroupVersion, policyv1.AddToScheme, []runtime.Object{
			&policyv1.Eviction{},
		}},
		// Access reviews are asked, never stored (kubectl auth can-i).
		{authorizationv1.SchemeGroupVersion, authorizationv1.AddToScheme, []runtime.Object{
			&authorizationv1.SelfSubjectAccessReview{}, &authorizationv1.SubjectAccessReview{},
			&authorizationv1.SelfSubjectRulesReview{}, &authorizationv1.LocalSubjectAccessReview{},
		}},
		// Resource metrics are read from the nodes' agents, never stored
		// (kubectl top); only metrics' own types.
		{metricsv1beta1.SchemeGroupVersion, metricsv1beta1.AddToScheme, []runtime.Object{
			&metricsv1beta1.NodeMetrics{}, &metricsv1beta1.NodeMetricsList{},
			&metricsv1beta1.PodMetrics{}, &metricsv1beta1.PodMetricsList{},
		}},
	}
}

// Set is a scheme with the codec factory built from it.
type Set struct {
	Scheme *runtime.Scheme
	Codecs serializer.CodecFactory
}

// New builds the scheme ordo serves from the catalog's groups: external
// versions, the internal aliases of the storage versions, conversions,
// defaulters and field-label support.
func New(groups []Group) Set {
	s := runtime.NewScheme()
	for _, g := range groups {
		utilruntime.Must(g.AddToScheme(s))
		internal := schema.GroupVersion{Group: g.Version.Group, Version: runtime.APIVersionInternal}
		for _, k := range g.Kinds {
			s.AddKnownTypes(internal, k.New(), k.NewList())
			if k.Defaults != nil {
				f := k.Defaults
				s.AddTypeDefaultingFunc(k.New(), func(o interface{}) { f(o.(runtime.Object)) })
			}
		}
		utilruntime.Must(s.SetVersionPriority(append([]schema.GroupVersion{g.Version}, g.AlsoServed...)...))
	}
	for _, r := range requestTypes() {
		utilruntime.Must(r.addToScheme(s))
		internal := schema.GroupVersion{Group: r.gv.Group, Version: runtime.APIVersionInternal}
		s.AddKnownTypes(internal, r.types...)
		if len(s.PrioritizedVersionsForGroup(r.gv.Group)) == 0 {
			utilruntime.Must(s.SetVersionPriority(r.gv))
		}
	}
	utilruntime.Must(batchv1beta1.AddToScheme(s))
	utilruntime.Must(appsv1beta1.AddToScheme(s))
	utilruntime.Must(addStatefulSetV1beta1Conversions(s))
	utilruntime.Must(addCronJobConversions(s))
	utilruntime.Must(addHPAV1Conversions(s))
	utilruntime.Must(addEventConversions(s))
	utilruntime.Must(addQueryConversions(s))
	utilruntime.Must(addFieldLabelConversions(s))
	defaults.RegisterOlderVersions(s)

	// The generic API server decodes list and delete options with the
	// unversioned meta types; register them as kube-apiserver does.
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	unversioned := schema.GroupVersion{Group: "", Version: "v1"}
	s.AddUnversionedTypes(unversioned,
		&metav1.Status{}, &metav1.APIVersions{}, &metav1.APIGroupList{},
		&metav1.APIGroup{}, &metav1.APIResourceList{},
	)
	return Set{Scheme: s, Codecs: serializer.NewCodecFactory(s)}
}

// ServedGroupVersions lists the group versions of groups and request
// types, preferred first within a group.
func ServedGroupVersions(groups []Group) []schema.GroupVersion {
	var out []schema.GroupVersion
	for _, g := range groups {
		out = append(out, g.Version)
		out = append(out, g.AlsoServed...)
	}
	for _, r := range requestTypes() {
		out = append(out, r.gv)
	}
	return out
}
