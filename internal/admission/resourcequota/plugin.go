// Package resourcequota is kube-apiserver's ResourceQuota admission plugin:
// k8s.io/apiserver's plugin, given Kubernetes' quota evaluators
// (internal/quota). On a create (or an update that changes what an object
// costs) in a namespace with quotas, it adds the object's usage to each
// matching quota's status.used and writes that status with the quota's
// resourceVersion before the object is stored; a conflict re-reads the
// quota and tries again, so two parallel creates cannot both pass a limit.
// A request over a limit is refused with Kubernetes' words:
//
//	exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2
//	failed quota: q: must specify limits.cpu for: app
//
// The resource quota controller (internal/controller/resourcequota) gives
// back what deletes free and corrects any charge for a create that failed
// after admission.
package resourcequota

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	rqplugin "k8s.io/apiserver/pkg/admission/plugin/resourcequota"
	"k8s.io/apiserver/pkg/quota/v1/generic"

	"github.com/ordo-dev/ordo/internal/quota"
)

// Ignored are the resources quota never counts, as Kubernetes' list: they
// are not stored or are not the user's to limit.
var Ignored = map[schema.GroupResource]struct{}{
	{Resource: "events"}:                                                   {},
	{Resource: "bindings"}:                                                 {},
	{Resource: "componentstatuses"}:                                        {},
	{Group: "events.k8s.io", Resource: "events"}:                           {},
	{Group: "authentication.k8s.io", Resource: "tokenreviews"}:             {},
	{Group: "authentication.k8s.io", Resource: "selfsubjectreviews"}:       {},
	{Group: "authorization.k8s.io", Resource: "subjectaccessreviews"}:      {},
	{Group: "authorization.k8s.io", Resource: "selfsubjectaccessreviews"}:  {},
	{Group: "authorization.k8s.io", Resource: "localsubjectaccessreviews"}: {},
	{Group: "authorization.k8s.io", Resource: "selfsubjectrulesreviews"}:   {},
}

// Register registers k8s.io/apiserver's plugin under its name,
// "ResourceQuota"; it gets its client, informers and drained notification
// from the generic initializer and its evaluators from Initializer.
func Register(plugins *admission.Plugins) { rqplugin.Register(plugins) }

// Initializer gives the ResourceQuota plugin Kubernetes' quota
// configuration (kube-apiserver's WantsQuotaConfiguration): the evaluators
// of internal/quota, ignoring Ignored. It must run after the generic
// initializer, which sets the drained notification the plugin's workers
// stop on.
type Initializer struct{}

// Initialize implements admission.PluginInitializer.
func (Initializer) Initialize(p admission.Interface) {
	if wants, ok := p.(initializer.WantsQuotaConfiguration); ok {
		wants.SetQuotaConfiguration(generic.NewConfiguration(quota.Evaluators(quota.Config{}), Ignored))
	}
}
