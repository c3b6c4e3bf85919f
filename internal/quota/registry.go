package quota

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	"k8s.io/utils/clock"
)

// Config is what the evaluators need: a way to list a resource's objects
// (an informer's lister; nil for admission-only use, which never lists) and
// a clock for pods' deletion grace periods.
type Config struct {
	ListerFor quota.ListerForResourceFunc
	Clock     clock.PassiveClock
}

// legacyCounts are the kinds whose object count a quota may name without
// the count/ prefix, as Kubernetes allows.
var legacyCounts = map[string]corev1.ResourceName{
	"configmaps": corev1.ResourceConfigMaps, "secrets": corev1.ResourceSecrets,
	"replicationcontrollers": corev1.ResourceReplicationControllers, "resourcequotas": corev1.ResourceQuotas,
}

// Evaluators are Kubernetes' built-in quota evaluators: pods, services and
// claims by what they use, configmaps, secrets, replicationcontrollers and
// resourcequotas by count under both their legacy and count/ names. Any
// other count/<resource>.<group> gets an object-count evaluator on demand
// (ObjectCount).
func Evaluators(c Config) []quota.Evaluator {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	out := []quota.Evaluator{
		&podEvaluator{list: c.list(corev1.SchemeGroupVersion.WithResource("pods")), clock: c.Clock},
		&serviceEvaluator{list: c.list(corev1.SchemeGroupVersion.WithResource("services"))},
		&claimEvaluator{list: c.list(corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims"))},
	}
	for res, alias := range legacyCounts {
		out = append(out, generic.NewObjectCountEvaluator(corev1.Resource(res), c.list(corev1.SchemeGroupVersion.WithResource(res)), alias))
	}
	return out
}

// ObjectCount counts gvr's objects for count/<resource>.<group>.
func ObjectCount(c Config, gvr schema.GroupVersionResource) quota.Evaluator {
	return generic.NewObjectCountEvaluator(gvr.GroupResource(), c.list(gvr), "")
}

func (c Config) list(gvr schema.GroupVersionResource) generic.ListFuncByNamespace {
	if c.ListerFor == nil {
		return nil
	}
	return generic.ListResourceUsingListerFunc(c.ListerFor, gvr)
}
