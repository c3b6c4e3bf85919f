package quota

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apiserver/pkg/admission"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	resourcehelper "k8s.io/component-helpers/resource"
	"k8s.io/utils/clock"
)

var podCount = generic.ObjectCountQuotaResourceNameFor(corev1.Resource("pods"))

// podResources are the quota resources a pod can use.
var podResources = []corev1.ResourceName{
	podCount, corev1.ResourcePods, corev1.ResourceCPU, corev1.ResourceMemory,
	corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory,
	corev1.ResourceEphemeralStorage, corev1.ResourceRequestsEphemeralStorage, corev1.ResourceLimitsEphemeralStorage,
}

// mustBeStated are the resources a quota makes every container state: if
// a quota limits limits.cpu, a container without a cpu limit is refused.
// Kubernetes keeps this for compatibility, for these six only.
var mustBeStated = sets.New[string]("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")

// podEvaluator is Kubernetes' pod evaluator.
type podEvaluator struct {
	list  generic.ListFuncByNamespace
	clock clock.PassiveClock
}

var _ quota.Evaluator = &podEvaluator{}

func (p *podEvaluator) GroupResource() schema.GroupResource { return corev1.Resource("pods") }

// Handles: a pod's cost is fixed at create; its spec's resources are
// immutable afterwards (ordo does not resize pods in place).
func (p *podEvaluator) Handles(a admission.Attributes) bool {
	return a.GetSubresource() == "" && a.GetOperation() == admission.Create
}

// Constraints refuses a pod with a container that does not state a
// resource the quota limits: "must specify limits.cpu for: app".
func (p *podEvaluator) Constraints(required []corev1.ResourceName, item runtime.Object) error {
	pod, ok := item.(*corev1.Pod)
	if !ok {
		return fmt.Errorf("unexpected type %T", item)
	}
	want := sets.New[string]()
	for _, r := range required {
		if mustBeStated.Has(string(r)) {
			want.Insert(string(r))
		}
	}
	missing := map[string][]string{}
	for _, c := range append(append([]corev1.Container{}, pod.Spec.Containers...), pod.Spec.InitContainers...) {
		have := sets.New[string]()
		for name := range computeUsage(c.Resources.Requests, c.Resources.Limits) {
			have.Insert(string(name))
		}
		for _, r := range sets.List(want.Difference(have)) {
			missing[r] = append(missing[r], c.Name)
		}
	}
	return missingError(missing)
}

func missingError(missing map[string][]string) error {
	if len(missing) == 0 {
		return nil
	}
	names := make([]string, 0, len(missing))
	for r := range missing {
		names = append(names, r)
	}
	sort.Strings(names)
	msgs := make([]string, 0, len(names))
	for _, r := range names {
		containers := sets.List(sets.New(missing[r]...))
		msgs = append(msgs, fmt.Sprintf("%s for: %s", r, strings.Join(containers, ",")))
	}
	return fmt.Errorf("must specify %s", strings.Join(msgs, "; "))
}

func (p *podEvaluator) Matches(q *corev1.ResourceQuota, item runtime.Object) (bool, error) {
	return generic.Matches(q, item, p.MatchingResources, podMatchesScope)
}

// MatchingResources: the pod resources, hugepages, and extended
// resources' requests (requests.example.com/foo), as Kubernetes' pod
// evaluator matches them. What matches is what the controller recomputes
// (zero when no pod uses it); a name left out would keep the usage
// admission charged after the pods are gone.
func (p *podEvaluator) MatchingResources(input []corev1.ResourceName) []corev1.ResourceName {
	out := quota.Intersection(input, podResources)
	for _, r := range input {
		if strings.HasPrefix(string(r), corev1.ResourceHugePagesPrefix) || strings.HasPrefix(string(r), "requests."+corev1.ResourceHugePagesPrefix) ||
			isExtendedForQuota(r) {
			out = append(out, r)
		}
	}
	return out
}

// isExtendedForQuota is Kubernetes' isExtendedResourceNameForQuota:
// requests.<an extended resource>.
func isExtendedForQuota(name corev1.ResourceName) bool {
	rest, ok := strings.CutPrefix(string(name), corev1.DefaultResourceRequestsPrefix)
	return ok && isExtendedResource(corev1.ResourceName(rest))
}

// isExtendedResource is Kubernetes' IsExtendedResourceName: a domain
// outside kubernetes.io, still a qualified name once prefixed with
// "requests.".
func isExtendedResource(name corev1.ResourceName) bool {
	s := string(name)
	if !strings.Contains(s, "/") || strings.Contains(s, corev1.ResourceDefaultNamespacePrefix) ||
		strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return len(validation.IsQualifiedName(corev1.DefaultResourceRequestsPrefix+s)) == 0
}

func (p *podEvaluator) MatchingScopes(item runtime.Object, scopes []corev1.ScopedResourceSelectorRequirement) ([]corev1.ScopedResourceSelectorRequirement, error) {
	var out []corev1.ScopedResourceSelectorRequirement
	for _, s := range scopes {
		match, err := podMatchesScope(s, item)
		if err != nil {
			return nil, err
		}
		if match {
			out = append(out, s)
		}
	}
	return out, nil
}

// UncoveredQuotaScopes: of the scopes whose resources the configuration
// limits, those no matching quota covers. ordo limits none by
// configuration, so this only matters to a future configuration.
func (p *podEvaluator) UncoveredQuotaScopes(limited, matched []corev1.ScopedResourceSelectorRequirement) ([]corev1.ScopedResourceSelectorRequirement, error) {
	var out []corev1.ScopedResourceSelectorRequirement
	for _, l := range limited {
		covered := false
		for _, m := range matched {
			if m.ScopeName == l.ScopeName && m.Operator == l.Operator && sets.New(m.Values...).IsSuperset(sets.New(l.Values...)) {
				covered = true
			}
		}
		if !covered {
			out = append(out, l)
		}
	}
	return out, nil
}

func (p *podEvaluator) Usage(item runtime.Object) (corev1.ResourceList, error) {
	pod, ok := item.(*corev1.Pod)
	if !ok {
		return nil, fmt.Errorf("unexpected type %T", item)
	}
	return PodUsage(pod, p.clock.Now()), nil
}

func (p *podEvaluator) UsageStats(options quota.UsageStatsOptions) (quota.UsageStats, error) {
	return generic.CalculateUsageStats(options, p.list, podMatchesScope, p.Usage)
}

// PodUsage is what pod costs at now. count/pods counts every pod in
// storage; pods and the compute resources count only pods that still hold
// them: not Succeeded or Failed, and not past their deletion grace period
// (a pod stuck terminating on a lost node must not block its replacement).
func PodUsage(pod *corev1.Pod, now time.Time) corev1.ResourceList {
	out := corev1.ResourceList{podCount: *resource.NewQuantity(1, resource.DecimalSI)}
	if !HoldsResources(pod, now) {
		return out
	}
	requests := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	limits := resourcehelper.PodLimits(pod, resourcehelper.PodResourcesOptions{})
	return quota.Add(out, computeUsage(requests, limits))
}

// HoldsResources is Kubernetes' QuotaV1Pod.
func HoldsResources(pod *corev1.Pod, now time.Time) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if pod.DeletionTimestamp != nil && pod.DeletionGracePeriodSeconds != nil {
		end := pod.DeletionTimestamp.Add(time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second)
		if now.After(end) {
			return false
		}
	}
	return true
}

// computeUsage maps requests and limits to quota names: a cpu request is
// both cpu and requests.cpu, a cpu limit limits.cpu; hugepages requests
// count under both names; extended resources under requests.<name>.
func computeUsage(requests, limits corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{corev1.ResourcePods: *resource.NewQuantity(1, resource.DecimalSI)}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		if q, ok := requests[r]; ok {
			out[r] = q
			out["requests."+r] = q
		}
		if q, ok := limits[r]; ok {
			out["limits."+r] = q
		}
	}
	for r, q := range requests {
		switch {
		case strings.HasPrefix(string(r), corev1.ResourceHugePagesPrefix):
			out[r] = q
			out["requests."+r] = q
		case isExtendedResource(r):
			out["requests."+r] = q
		}
	}
	return out
}

// podMatchesScope is Kubernetes' podMatchesScopeFunc.
func podMatchesScope(s corev1.ScopedResourceSelectorRequirement, item runtime.Object) (bool, error) {
	pod, ok := item.(*corev1.Pod)
	if !ok {
		return false, fmt.Errorf("unexpected type %T", item)
	}
	switch s.ScopeName {
	case corev1.ResourceQuotaScopeTerminating:
		return isTerminating(pod), nil
	case corev1.ResourceQuotaScopeNotTerminating:
		return !isTerminating(pod), nil
	case corev1.ResourceQuotaScopeBestEffort:
		return IsBestEffort(pod), nil
	case corev1.ResourceQuotaScopeNotBestEffort:
		return !IsBestEffort(pod), nil
	case corev1.ResourceQuotaScopePriorityClass:
		return selectorMatches(s, labels.Set{string(corev1.ResourceQuotaScopePriorityClass): pod.Spec.PriorityClassName})
	case corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
		return usesCrossNamespaceAffinity(pod), nil
	}
	return false, nil
}

// selectorMatches evaluates one scope selector requirement as a label
// requirement on the scope's value.
func selectorMatches(s corev1.ScopedResourceSelectorRequirement, set labels.Set) (bool, error) {
	ops := map[corev1.ScopeSelectorOperator]selection.Operator{
		corev1.ScopeSelectorOpIn: selection.In, corev1.ScopeSelectorOpNotIn: selection.NotIn,
		corev1.ScopeSelectorOpExists: selection.Exists, corev1.ScopeSelectorOpDoesNotExist: selection.DoesNotExist,
	}
	op, ok := ops[s.Operator]
	if !ok {
		return false, fmt.Errorf("%q is not a valid scope selector operator", s.Operator)
	}
	req, err := labels.NewRequirement(string(s.ScopeName), op, s.Values)
	if err != nil {
		return false, err
	}
	return req.Matches(set), nil
}

// isTerminating: a pod with an active deadline ends by itself.
func isTerminating(pod *corev1.Pod) bool {
	return pod.Spec.ActiveDeadlineSeconds != nil && *pod.Spec.ActiveDeadlineSeconds >= 0
}

// IsBestEffort: no container requests or limits cpu or memory (the
// BestEffort QoS class).
func IsBestEffort(pod *corev1.Pod) bool {
	if pod.Spec.Resources != nil && (hasCompute(pod.Spec.Resources.Requests) || hasCompute(pod.Spec.Resources.Limits)) {
		return false
	}
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if hasCompute(c.Resources.Requests) || hasCompute(c.Resources.Limits) {
			return false
		}
	}
	return true
}

func hasCompute(list corev1.ResourceList) bool {
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := list[r]; ok && q.Sign() > 0 {
			return true
		}
	}
	return false
}

func usesCrossNamespaceAffinity(pod *corev1.Pod) bool {
	a := pod.Spec.Affinity
	if a == nil {
		return false
	}
	var terms []corev1.PodAffinityTerm
	if a.PodAffinity != nil {
		terms = append(terms, a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
	}
	if a.PodAntiAffinity != nil {
		terms = append(terms, a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
	}
	for _, t := range terms {
		if len(t.Namespaces) > 0 || t.NamespaceSelector != nil {
			return true
		}
	}
	return false
}
