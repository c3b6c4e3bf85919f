// Package scheme builds the runtime.Scheme that the API server, its storage and
// its codecs share.
//
// ordo serves the k8s.io/api types directly. k8s.io/apiserver expects every
// group to have an "internal" version that requests are converted into before
// they reach storage; kube-apiserver has separate internal Go types for that.
// ordo registers each group's storage version (v1) a second time under
// runtime.APIVersionInternal, so the conversion between them is the identity
// and nothing is copied field by field. Other served versions (batch/v1beta1
// CronJobs) get explicit conversions to and from the storage version.
package scheme

import (
	"github.com/ordo-dev/ordo/internal/api/defaults"
	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

// storageVersion names, for each served group, the version whose Go types are
// also used as the group's internal version.
type storageVersion struct {
	gv          schema.GroupVersion
	addToScheme func(*runtime.Scheme) error
	// internalKinds are the kinds (with their List kinds) re-registered under
	// the internal version.
	internalKinds []runtime.Object
}

// storageVersions lists every group ordo serves with its storage version.
func storageVersions() []storageVersion {
	return []storageVersion{
		{corev1.SchemeGroupVersion, corev1.AddToScheme, []runtime.Object{
			&corev1.Namespace{}, &corev1.NamespaceList{},
			&corev1.Pod{}, &corev1.PodList{}, &corev1.Binding{},
			&corev1.Service{}, &corev1.ServiceList{},
			&corev1.Endpoints{}, &corev1.EndpointsList{},
			&corev1.ConfigMap{}, &corev1.ConfigMapList{},
			&corev1.Secret{}, &corev1.SecretList{},
			&corev1.ServiceAccount{}, &corev1.ServiceAccountList{},
			&corev1.PersistentVolumeClaim{}, &corev1.PersistentVolumeClaimList{},
			&corev1.PersistentVolume{}, &corev1.PersistentVolumeList{},
			&corev1.Event{}, &corev1.EventList{},
			&corev1.Node{}, &corev1.NodeList{},
			&corev1.PodLogOptions{}, &corev1.PodExecOptions{},
			&corev1.PodAttachOptions{}, &corev1.PodPortForwardOptions{},
			&corev1.PodProxyOptions{}, &corev1.NodeProxyOptions{}, &corev1.ServiceProxyOptions{},
		}},
		{appsv1.SchemeGroupVersion, appsv1.AddToScheme, []runtime.Object{
			&appsv1.StatefulSet{}, &appsv1.StatefulSetList{},
			&appsv1.ControllerRevision{}, &appsv1.ControllerRevisionList{},
			&appsv1.Deployment{}, &appsv1.DeploymentList{},
			&appsv1.ReplicaSet{}, &appsv1.ReplicaSetList{},
		}},
		{batchv1.SchemeGroupVersion, batchv1.AddToScheme, []runtime.Object{
			&batchv1.Job{}, &batchv1.JobList{},
			&batchv1.CronJob{}, &batchv1.CronJobList{},
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
		{coordinationv1.SchemeGroupVersion, coordinationv1.AddToScheme, []runtime.Object{
			&coordinationv1.Lease{}, &coordinationv1.LeaseList{},
		}},
		{discoveryv1.SchemeGroupVersion, discoveryv1.AddToScheme, []runtime.Object{
			&discoveryv1.EndpointSlice{}, &discoveryv1.EndpointSliceList{},
		}},
		// events.k8s.io shares core's Event as its internal type, as in
		// Kubernetes, so both APIs read and write one store.
		{eventsv1.SchemeGroupVersion, eventsv1.AddToScheme, []runtime.Object{
			&corev1.Event{}, &corev1.EventList{},
		}},
		{storagev1.SchemeGroupVersion, storagev1.AddToScheme, []runtime.Object{
			&storagev1.StorageClass{}, &storagev1.StorageClassList{},
		}},
		// Access reviews are asked, never stored (kubectl auth can-i).
		{authorizationv1.SchemeGroupVersion, authorizationv1.AddToScheme, []runtime.Object{
			&authorizationv1.SelfSubjectAccessReview{}, &authorizationv1.SubjectAccessReview{},
			&authorizationv1.SelfSubjectRulesReview{}, &authorizationv1.LocalSubjectAccessReview{},
		}},
		{rbacv1.SchemeGroupVersion, rbacv1.AddToScheme, []runtime.Object{
			&rbacv1.Role{}, &rbacv1.RoleList{},
			&rbacv1.ClusterRole{}, &rbacv1.ClusterRoleList{},
			&rbacv1.RoleBinding{}, &rbacv1.RoleBindingList{},
			&rbacv1.ClusterRoleBinding{}, &rbacv1.ClusterRoleBindingList{},
		}},
	}
}

// Set is a scheme with the codec factory built from it.
type Set struct {
	Scheme *runtime.Scheme
	Codecs serializer.CodecFactory
}

// New builds the scheme ordo serves: external versions, the internal aliases
// of the storage versions, conversions, defaulters and field-label support.
func New() Set {
	s := runtime.NewScheme()
	for _, sv := range storageVersions() {
		utilruntime.Must(sv.addToScheme(s))
		internal := schema.GroupVersion{Group: sv.gv.Group, Version: runtime.APIVersionInternal}
		s.AddKnownTypes(internal, sv.internalKinds...)
		utilruntime.Must(s.SetVersionPriority(sv.gv))
	}
	utilruntime.Must(batchv1beta1.AddToScheme(s))
	utilruntime.Must(appsv1beta1.AddToScheme(s))
	utilruntime.Must(s.SetVersionPriority(appsv1.SchemeGroupVersion, appsv1beta1.SchemeGroupVersion))
	utilruntime.Must(addStatefulSetV1beta1Conversions(s))
	utilruntime.Must(s.SetVersionPriority(batchv1.SchemeGroupVersion, batchv1beta1.SchemeGroupVersion))
	utilruntime.Must(addCronJobConversions(s))
	utilruntime.Must(addEventConversions(s))
	utilruntime.Must(addQueryConversions(s))
	utilruntime.Must(addFieldLabelConversions(s))
	defaults.Register(s)

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

// ServedGroupVersions lists the group versions, preferred first within a group.
func ServedGroupVersions() []schema.GroupVersion {
	var out []schema.GroupVersion
	for _, sv := range storageVersions() {
		out = append(out, sv.gv)
	}
	return append(out, batchv1beta1.SchemeGroupVersion, appsv1beta1.SchemeGroupVersion)
}
