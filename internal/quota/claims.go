package quota

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

var claimCount = generic.ObjectCountQuotaResourceNameFor(corev1.Resource("persistentvolumeclaims"))

// storageClassSuffix names per-class quota resources:
// gold.storageclass.storage.k8s.io/requests.storage.
const storageClassSuffix = ".storageclass.storage.k8s.io/"

var claimResources = []corev1.ResourceName{claimCount, corev1.ResourcePersistentVolumeClaims, corev1.ResourceRequestsStorage}

// claimEvaluator is Kubernetes' PersistentVolumeClaim evaluator: a claim
// costs one persistentvolumeclaims and its requested storage, overall and
// under its storage class's names.
type claimEvaluator struct {
	list generic.ListFuncByNamespace
}

var _ quota.Evaluator = &claimEvaluator{}

func (c *claimEvaluator) GroupResource() schema.GroupResource {
	return corev1.Resource("persistentvolumeclaims")
}

// Handles creates and updates (an expansion raises the request).
func (c *claimEvaluator) Handles(a admission.Attributes) bool {
	op := a.GetOperation()
	return a.GetSubresource() == "" && (op == admission.Create || op == admission.Update)
}

func (c *claimEvaluator) Constraints([]corev1.ResourceName, runtime.Object) error { return nil }

func (c *claimEvaluator) Matches(q *corev1.ResourceQuota, item runtime.Object) (bool, error) {
	return generic.Matches(q, item, c.MatchingResources, claimMatchesScope)
}

func (c *claimEvaluator) MatchingResources(input []corev1.ResourceName) []corev1.ResourceName {
	out := quota.Intersection(input, claimResources)
	for _, r := range input {
		name := string(r)
		if strings.Contains(name, storageClassSuffix) &&
			(strings.HasSuffix(name, "/persistentvolumeclaims") || strings.HasSuffix(name, "/requests.storage")) {
			out = append(out, r)
		}
	}
	return out
}

func (c *claimEvaluator) MatchingScopes(item runtime.Object, scopes []corev1.ScopedResourceSelectorRequirement) ([]corev1.ScopedResourceSelectorRequirement, error) {
	var out []corev1.ScopedResourceSelectorRequirement
	for _, s := range scopes {
		if ok, err := claimMatchesScope(s, item); err != nil {
			return nil, err
		} else if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

func (c *claimEvaluator) UncoveredQuotaScopes(_, _ []corev1.ScopedResourceSelectorRequirement) ([]corev1.ScopedResourceSelectorRequirement, error) {
	return nil, nil
}

func (c *claimEvaluator) Usage(item runtime.Object) (corev1.ResourceList, error) {
	pvc, ok := item.(*corev1.PersistentVolumeClaim)
	if !ok {
		return nil, fmt.Errorf("unexpected type %T", item)
	}
	return ClaimUsage(pvc), nil
}

func (c *claimEvaluator) UsageStats(options quota.UsageStatsOptions) (quota.UsageStats, error) {
	return generic.CalculateUsageStats(options, c.list, claimMatchesScope, c.Usage)
}

// ClaimUsage is what pvc costs: its storage request, or what was
// allocated to it when that is more.
func ClaimUsage(pvc *corev1.PersistentVolumeClaim) corev1.ResourceList {
	one := *resource.NewQuantity(1, resource.DecimalSI)
	out := corev1.ResourceList{claimCount: one, corev1.ResourcePersistentVolumeClaims: one}
	class := volumehelpers.GetPersistentVolumeClaimClass(pvc)
	if class != "" {
		out[corev1.ResourceName(class+storageClassSuffix+"persistentvolumeclaims")] = one
	}
	req, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if alloc, has := pvc.Status.AllocatedResources[corev1.ResourceStorage]; has && (!ok || alloc.Cmp(req) > 0) {
		req, ok = alloc, true
	}
	if ok {
		out[corev1.ResourceRequestsStorage] = req
		if class != "" {
			out[corev1.ResourceName(class+storageClassSuffix+"requests.storage")] = req
		}
	}
	return out
}

// claimMatchesScope knows the VolumeAttributesClass scope.
func claimMatchesScope(s corev1.ScopedResourceSelectorRequirement, item runtime.Object) (bool, error) {
	pvc, ok := item.(*corev1.PersistentVolumeClaim)
	if !ok {
		return false, fmt.Errorf("unexpected type %T", item)
	}
	if s.ScopeName != corev1.ResourceQuotaScopeVolumeAttributesClass {
		return false, nil
	}
	set := labels.Set{}
	if n := pvc.Spec.VolumeAttributesClassName; n != nil && *n != "" {
		set[string(s.ScopeName)] = *n
	}
	return selectorMatches(s, set)
}
