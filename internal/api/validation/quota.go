package validation

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	limitsPath = field.NewPath("spec", "limits")
	specPath   = field.NewPath("spec")
	statusPath = field.NewPath("status")
)

// standardLimitTypes are the LimitRange types Kubernetes knows; any other
// type must be domain-qualified.
var standardLimitTypes = sets.New(string(corev1.LimitTypeContainer), string(corev1.LimitTypePod), string(corev1.LimitTypePersistentVolumeClaim))

// standardQuotaResources are the resource names a ResourceQuota may limit
// without a domain, as Kubernetes' standardQuotaResources.
var standardQuotaResources = sets.New(
	"cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage",
	"requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage",
	"pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
	"persistentvolumeclaims", "services.nodeports", "services.loadbalancers")

// integerQuotaResources must be whole numbers: they count objects.
var integerQuotaResources = sets.New("pods", "services", "replicationcontrollers", "resourcequotas",
	"secrets", "configmaps", "persistentvolumeclaims", "services.nodeports", "services.loadbalancers")

// ValidateLimitRange is Kubernetes' ValidateLimitRange: each type at most
// once, standard resource names, and per resource
// min ≤ defaultRequest ≤ default ≤ max, a maxLimitRequestRatio of at least 1
// and at most max/min.
func ValidateLimitRange(lr *corev1.LimitRange) field.ErrorList {
	errs := validateMeta(&lr.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	seen := map[corev1.LimitType]bool{}
	for i := range lr.Spec.Limits {
		item, p := &lr.Spec.Limits[i], limitsPath.Index(i)
		errs = append(errs, limitTypeName(string(item.Type), p.Child("type"))...)
		if seen[item.Type] {
			errs = append(errs, field.Duplicate(p.Child("type"), item.Type))
		}
		seen[item.Type] = true
		errs = append(errs, validateLimitRangeItem(item, p)...)
	}
	return errs
}

// ValidateLimitRangeUpdate: a LimitRange's spec may change freely.
func ValidateLimitRangeUpdate(lr, old *corev1.LimitRange) field.ErrorList {
	return append(validateMetaUpdate(&lr.ObjectMeta, &old.ObjectMeta), ValidateLimitRange(lr)...)
}

func limitTypeName(t string, p *field.Path) field.ErrorList {
	if errs := qualifiedName(t, p); len(errs) > 0 {
		return errs
	}
	if !strings.Contains(t, "/") && !standardLimitTypes.Has(t) {
		return field.ErrorList{field.Invalid(p, t, "must be a standard limit type or fully qualified")}
	}
	return nil
}

// limitResourceName: Containers and Pods take container resources; other
// types any qualified name.
func limitResourceName(t corev1.LimitType, name string, p *field.Path) field.ErrorList {
	if t == corev1.LimitTypeContainer || t == corev1.LimitTypePod {
		return validateContainerResourceName(name, p)
	}
	return qualifiedName(name, p)
}

// limitBounds gathers one item's quantities by resource name.
type limitBounds struct {
	keys                                   sets.Set[string]
	min, max, def, defRequest, ratio       map[string]resource.Quantity
	minPath, maxPath, defPath, reqPath, rp *field.Path
}

func (b *limitBounds) add(t corev1.LimitType, list corev1.ResourceList, into map[string]resource.Quantity, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for k, q := range list {
		errs = append(errs, limitResourceName(t, string(k), p.Key(string(k)))...)
		b.keys.Insert(string(k))
		into[string(k)] = q
	}
	return errs
}

func validateLimitRangeItem(item *corev1.LimitRangeItem, p *field.Path) field.ErrorList {
	b := &limitBounds{keys: sets.New[string](), min: map[string]resource.Quantity{}, max: map[string]resource.Quantity{},
		def: map[string]resource.Quantity{}, defRequest: map[string]resource.Quantity{}, ratio: map[string]resource.Quantity{},
		minPath: p.Child("min"), maxPath: p.Child("max"), defPath: p.Child("default"), reqPath: p.Child("defaultRequest"),
		rp: p.Child("maxLimitRequestRatio")}
	errs := b.add(item.Type, item.Max, b.max, b.maxPath)
	errs = append(errs, b.add(item.Type, item.Min, b.min, b.minPath)...)
	if item.Type == corev1.LimitTypePod {
		if len(item.Default) > 0 {
			errs = append(errs, field.Forbidden(b.defPath, "may not be specified when `type` is 'Pod'"))
		}
		if len(item.DefaultRequest) > 0 {
			errs = append(errs, field.Forbidden(b.reqPath, "may not be specified when `type` is 'Pod'"))
		}
	} else {
		errs = append(errs, b.add(item.Type, item.Default, b.def, b.defPath)...)
		errs = append(errs, b.add(item.Type, item.DefaultRequest, b.defRequest, b.reqPath)...)
	}
	if item.Type == corev1.LimitTypePersistentVolumeClaim {
		_, hasMin := item.Min[corev1.ResourceStorage]
		_, hasMax := item.Max[corev1.ResourceStorage]
		if !hasMin && !hasMax {
			errs = append(errs, field.Required(p.Child("limits"), "either minimum or maximum storage value is required, but neither was provided"))
		}
	}
	errs = append(errs, b.add(item.Type, item.MaxLimitRequestRatio, b.ratio, b.rp)...)
	for _, k := range sets.List(b.keys) {
		errs = append(errs, b.order(k)...)
	}
	return errs
}

// order checks one resource's bounds against each other, in Kubernetes'
// order and words.
func (b *limitBounds) order(k string) field.ErrorList {
	var errs field.ErrorList
	minQ, hasMin := b.min[k]
	maxQ, hasMax := b.max[k]
	defQ, hasDef := b.def[k]
	reqQ, hasReq := b.defRequest[k]
	ratio, hasRatio := b.ratio[k]
	if hasMin && hasMax && minQ.Cmp(maxQ) > 0 {
		errs = append(errs, field.Invalid(b.minPath.Key(k), minQ.String(), fmt.Sprintf("min value %s is greater than max value %s", minQ.String(), maxQ.String())))
	}
	if hasReq && hasMin && minQ.Cmp(reqQ) > 0 {
		errs = append(errs, field.Invalid(b.reqPath.Key(k), reqQ.String(), fmt.Sprintf("min value %s is greater than default request value %s", minQ.String(), reqQ.String())))
	}
	if hasReq && hasMax && reqQ.Cmp(maxQ) > 0 {
		errs = append(errs, field.Invalid(b.reqPath.Key(k), reqQ.String(), fmt.Sprintf("default request value %s is greater than max value %s", reqQ.String(), maxQ.String())))
	}
	if hasReq && hasDef && reqQ.Cmp(defQ) > 0 {
		errs = append(errs, field.Invalid(b.reqPath.Key(k), reqQ.String(), fmt.Sprintf("default request value %s is greater than default limit value %s", reqQ.String(), defQ.String())))
	}
	if hasDef && hasMin && minQ.Cmp(defQ) > 0 {
		errs = append(errs, field.Invalid(b.defPath.Key(k), minQ.String(), fmt.Sprintf("min value %s is greater than default value %s", minQ.String(), defQ.String())))
	}
	if hasDef && hasMax && defQ.Cmp(maxQ) > 0 {
		errs = append(errs, field.Invalid(b.defPath.Key(k), maxQ.String(), fmt.Sprintf("default value %s is greater than max value %s", defQ.String(), maxQ.String())))
	}
	if hasRatio {
		errs = append(errs, ratioBounds(k, ratio, minQ, maxQ, hasMin && hasMax, b.rp)...)
	}
	if !overcommitAllowed(k) && hasDef && hasReq && defQ.Cmp(reqQ) != 0 {
		errs = append(errs, field.Invalid(b.reqPath.Key(k), reqQ.String(), fmt.Sprintf("default value %s must equal to defaultRequest value %s in %s", defQ.String(), reqQ.String(), k)))
	}
	return errs
}

// ratioBounds: a limit/request ratio below 1 is impossible, and one above
// max/min can never be reached.
func ratioBounds(k string, ratio, minQ, maxQ resource.Quantity, haveBoth bool, p *field.Path) field.ErrorList {
	if ratio.Cmp(*resource.NewQuantity(1, resource.DecimalSI)) < 0 {
		return field.ErrorList{field.Invalid(p.Key(k), ratio.String(), fmt.Sprintf("ratio %s is less than 1", ratio.String()))}
	}
	if !haveBoth || minQ.Sign() == 0 {
		return nil
	}
	r, lo, hi := float64(ratio.Value()), minQ.Value(), maxQ.Value()
	if ratio.Value() < resource.MaxMilliValue && lo < resource.MaxMilliValue && hi < resource.MaxMilliValue {
		r, lo, hi = float64(ratio.MilliValue())/1000, minQ.MilliValue(), maxQ.MilliValue()
	}
	if limit := float64(hi) / float64(lo); r > limit {
		return field.ErrorList{field.Invalid(p.Key(k), ratio.String(), fmt.Sprintf("ratio %s is greater than max/min = %f", ratio.String(), limit))}
	}
	return nil
}

// overcommitAllowed: hugepages and extended resources cannot be
// overcommitted, so their request must equal their limit.
func overcommitAllowed(name string) bool {
	return !strings.HasPrefix(name, "hugepages-") && !isExtendedResource(name)
}

// ValidateResourceQuota is Kubernetes' ValidateResourceQuota: standard or
// qualified resource names, non-negative (and for object counts, whole)
// quantities, known and non-conflicting scopes, and a valid status.
func ValidateResourceQuota(q *corev1.ResourceQuota) field.ErrorList {
	errs := validateMeta(&q.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	errs = append(errs, validateQuotaSpec(&q.Spec)...)
	return append(errs, validateQuotaStatus(&q.Status)...)
}

// ValidateResourceQuotaUpdate: hard limits may change, scopes may not.
func ValidateResourceQuotaUpdate(q, old *corev1.ResourceQuota) field.ErrorList {
	errs := validateMetaUpdate(&q.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, validateQuotaSpec(&q.Spec)...)
	errs = append(errs, immutable(q.Spec.Scopes, old.Spec.Scopes, specPath.Child("scopes"))...)
	return append(errs, immutable(q.Spec.ScopeSelector, old.Spec.ScopeSelector, specPath.Child("scopeSelector"))...)
}

// ValidateResourceQuotaStatusUpdate checks the status's quantities.
func ValidateResourceQuotaStatusUpdate(q, old *corev1.ResourceQuota) field.ErrorList {
	errs := validateMetaUpdate(&q.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateQuotaStatus(&q.Status)...)
}

func validateQuotaSpec(s *corev1.ResourceQuotaSpec) field.ErrorList {
	errs := quotaList(s.Hard, specPath.Child("hard"))
	errs = append(errs, validateQuotaScopes(s)...)
	return append(errs, validateScopeSelector(s)...)
}

func validateQuotaStatus(s *corev1.ResourceQuotaStatus) field.ErrorList {
	errs := quotaList(s.Hard, statusPath.Child("hard"))
	return append(errs, quotaList(s.Used, statusPath.Child("used"))...)
}

func quotaList(list corev1.ResourceList, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for k, q := range list {
		kp := p.Key(string(k))
		errs = append(errs, quotaResourceName(string(k), kp)...)
		errs = append(errs, nonNegativeQuantity(q, kp)...)
		if isIntegerQuotaResource(string(k)) && q.MilliValue()%1000 != 0 {
			errs = append(errs, field.Invalid(kp, q.String(), "must be an integer"))
		}
	}
	return errs
}

func isIntegerQuotaResource(name string) bool {
	return integerQuotaResources.Has(name) || strings.HasPrefix(name, "count/")
}

func quotaResourceName(name string, p *field.Path) field.ErrorList {
	if strings.HasPrefix(name, "count/") {
		return nil
	}
	if errs := qualifiedName(name, p); len(errs) > 0 {
		return errs
	}
	if strings.Contains(name, "/") || standardQuotaResources.Has(name) || strings.HasPrefix(name, "requests.hugepages-") {
		return nil
	}
	return field.ErrorList{field.Invalid(p, name, "must be a standard resource for quota")}
}

// The scopes and which resources each may constrain, as Kubernetes'
// helper.IsResourceQuotaScopeValidForResource.
var (
	podScopeResources = sets.New("pods", "cpu", "memory", "requests.cpu", "requests.memory",
		"limits.cpu", "limits.memory", "ephemeral-storage", "requests.ephemeral-storage",
		"limits.ephemeral-storage", "count/pods")
	bestEffortScopeResources = sets.New("pods", "count/pods")
	pvcScopeResources        = sets.New("persistentvolumeclaims", "requests.storage", "count/persistentvolumeclaims")
	knownScopes              = sets.New(string(corev1.ResourceQuotaScopeTerminating), string(corev1.ResourceQuotaScopeNotTerminating),
		string(corev1.ResourceQuotaScopeBestEffort), string(corev1.ResourceQuotaScopeNotBestEffort),
		string(corev1.ResourceQuotaScopePriorityClass), string(corev1.ResourceQuotaScopeCrossNamespacePodAffinity),
		string(corev1.ResourceQuotaScopeVolumeAttributesClass))
)

func scopeAllows(scope corev1.ResourceQuotaScope, res string) bool {
	switch scope {
	case corev1.ResourceQuotaScopeBestEffort:
		return bestEffortScopeResources.Has(res)
	case corev1.ResourceQuotaScopeVolumeAttributesClass:
		return pvcScopeResources.Has(res)
	default:
		return podScopeResources.Has(res) || strings.HasPrefix(res, "requests.hugepages-")
	}
}

// quotaScopes lists every scope a quota names, by scopes or selector.
func quotaScopes(s *corev1.ResourceQuotaSpec) []corev1.ResourceQuotaScope {
	out := append([]corev1.ResourceQuotaScope{}, s.Scopes...)
	if s.ScopeSelector != nil {
		for _, r := range s.ScopeSelector.MatchExpressions {
			out = append(out, r.ScopeName)
		}
	}
	return out
}

func validateQuotaScopes(s *corev1.ResourceQuotaSpec) field.ErrorList {
	if len(s.Scopes) == 0 {
		return nil
	}
	var errs field.ErrorList
	p := specPath.Child("scopes")
	for _, sc := range s.Scopes {
		if !knownScopes.Has(string(sc)) {
			errs = append(errs, field.Invalid(p, s.Scopes, "unsupported scope"))
		}
		for res := range s.Hard {
			if !scopeAllows(sc, string(res)) {
				errs = append(errs, field.Invalid(p, s.Scopes, "unsupported scope applied to resource"))
			}
		}
	}
	return append(errs, conflictingScopes(s.Scopes, p)...)
}

func conflictingScopes(scopes []corev1.ResourceQuotaScope, p *field.Path) field.ErrorList {
	has := sets.New[corev1.ResourceQuotaScope](scopes...)
	for _, pair := range [][2]corev1.ResourceQuotaScope{
		{corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating},
		{corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort},
	} {
		if has.Has(pair[0]) && has.Has(pair[1]) {
			return field.ErrorList{field.Invalid(p, scopes, "conflicting scopes")}
		}
	}
	return nil
}

// validateScopeSelector: known scopes with valid operators; only the
// PriorityClass scope takes values.
func validateScopeSelector(s *corev1.ResourceQuotaSpec) field.ErrorList {
	if s.ScopeSelector == nil {
		return nil
	}
	var errs field.ErrorList
	p := specPath.Child("scopeSelector", "matchExpressions")
	for i, r := range s.ScopeSelector.MatchExpressions {
		ip := p.Index(i)
		if !knownScopes.Has(string(r.ScopeName)) {
			errs = append(errs, field.Invalid(ip.Child("scopeName"), r.ScopeName, "unsupported scope"))
		}
		for res := range s.Hard {
			if !scopeAllows(r.ScopeName, string(res)) {
				errs = append(errs, field.Invalid(ip, r.ScopeName, "unsupported scope applied to resource"))
			}
		}
		errs = append(errs, scopeOperator(r, ip)...)
	}
	return append(errs, conflictingScopes(quotaScopes(s), p)...)
}

func scopeOperator(r corev1.ScopedResourceSelectorRequirement, p *field.Path) field.ErrorList {
	switch r.Operator {
	case corev1.ScopeSelectorOpIn, corev1.ScopeSelectorOpNotIn:
		if len(r.Values) == 0 {
			return field.ErrorList{field.Required(p.Child("values"), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector")}
		}
		if r.ScopeName != corev1.ResourceQuotaScopePriorityClass && r.ScopeName != corev1.ResourceQuotaScopeVolumeAttributesClass {
			return field.ErrorList{field.Invalid(p.Child("operator"), r.Operator, "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity")}
		}
	case corev1.ScopeSelectorOpExists, corev1.ScopeSelectorOpDoesNotExist:
		if len(r.Values) != 0 {
			return field.ErrorList{field.Invalid(p.Child("values"), r.Values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector")}
		}
	default:
		return field.ErrorList{field.NotSupported(p.Child("operator"), r.Operator, []string{"In", "NotIn", "Exists", "DoesNotExist"})}
	}
	return nil
}
