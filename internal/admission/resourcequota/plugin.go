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
	rqplugin "k8s.io/apiserver/pkg/admission/plugin/resourcequota"
	rqapi "k8s.io/apiserver/pkg/admission/plugin/resourcequota/apis/resourcequota"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/quota"
)

// workers evaluate quota for different namespaces in parallel; requests in
// one namespace are batched, as in kube-apiserver.
const workers = 5

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

// Config is what the plugin reads and writes through.
type Config struct {
	// Informers list the namespaces' quotas (the API server's own).
	Informers informers.SharedInformerFactory
	// Client writes quota status (the loopback client).
	Client kubernetes.Interface
	// Stop ends the plugin's workers (the server's drained notification).
	Stop <-chan struct{}
}

// New builds the plugin.
func New(c Config) (admission.ValidationInterface, error) {
	p, err := rqplugin.NewResourceQuota(&rqapi.Configuration{}, workers)
	if err != nil {
		return nil, err
	}
	p.SetDrainedNotification(c.Stop)
	p.SetExternalKubeClientSet(c.Client)
	p.SetExternalKubeInformerFactory(c.Informers)
	p.SetQuotaConfiguration(generic.NewConfiguration(quota.Evaluators(quota.Config{}), Ignored))
	if err := p.ValidateInitialization(); err != nil {
		return nil, err
	}
	return p, nil
}
