package validation

import (
	"fmt"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validatePodFailurePolicy checks each rule: a known action (FailIndex only
// with backoffLimitPerIndex) and exactly one of onExitCodes/onPodConditions.
func validatePodFailurePolicy(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	rp := p.Child("rules")
	rules := spec.PodFailurePolicy.Rules
	if len(rules) > maxPodFailurePolicyRules {
		errs = append(errs, field.TooMany(rp, len(rules), maxPodFailurePolicyRules))
	}
	names := containerNameSet(&spec.Template.Spec)
	for i := range rules {
		errs = append(errs, validatePodFailureRule(spec, &rules[i], rp.Index(i), names)...)
	}
	return errs
}

func validatePodFailureRule(spec *batchv1.JobSpec, r *batchv1.PodFailurePolicyRule, p *field.Path, names sets.Set[string]) field.ErrorList {
	var errs field.ErrorList
	ap := p.Child("action")
	switch r.Action {
	case "":
		errs = append(errs, field.Required(ap, fmt.Sprintf("valid values: %q", supportedFailureActions)))
	case batchv1.PodFailurePolicyActionFailIndex:
		if spec.BackoffLimitPerIndex == nil {
			errs = append(errs, field.Invalid(ap, r.Action, "requires the backoffLimitPerIndex to be set"))
		}
	case batchv1.PodFailurePolicyActionCount, batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyActionIgnore:
	default:
		errs = append(errs, field.NotSupported(ap, r.Action, supportedFailureActions))
	}
	if r.OnExitCodes != nil {
		errs = append(errs, validateOnExitCodes(r.OnExitCodes, p.Child("onExitCodes"), names)...)
	}
	if len(r.OnPodConditions) > 0 {
		errs = append(errs, validateOnPodConditions(r.OnPodConditions, p.Child("onPodConditions"))...)
	}
	switch {
	case r.OnExitCodes != nil && len(r.OnPodConditions) > 0:
		errs = append(errs, field.Invalid(p, field.OmitValueType{}, "specifying both OnExitCodes and OnPodConditions is not supported"))
	case r.OnExitCodes == nil && len(r.OnPodConditions) == 0:
		errs = append(errs, field.Invalid(p, field.OmitValueType{}, "specifying one of OnExitCodes and OnPodConditions is required"))
	}
	return errs
}

// validateOnExitCodes: known operator, an existing container, and a
// non-empty, strictly increasing list of codes (0 means success, so it can
// never be "In" a failure).
func validateOnExitCodes(r *batchv1.PodFailurePolicyOnExitCodesRequirement, p *field.Path, names sets.Set[string]) field.ErrorList {
	var errs field.ErrorList
	op := p.Child("operator")
	switch r.Operator {
	case "":
		errs = append(errs, field.Required(op, fmt.Sprintf("valid values: %q", supportedExitCodeOps)))
	case batchv1.PodFailurePolicyOnExitCodesOpIn, batchv1.PodFailurePolicyOnExitCodesOpNotIn:
	default:
		errs = append(errs, field.NotSupported(op, r.Operator, supportedExitCodeOps))
	}
	if r.ContainerName != nil && !names.Has(*r.ContainerName) {
		errs = append(errs, field.Invalid(p.Child("containerName"), *r.ContainerName, "must be one of the container or initContainer names in the pod template"))
	}
	vp := p.Child("values")
	if len(r.Values) == 0 {
		errs = append(errs, field.Invalid(vp, r.Values, "at least one value is required"))
	} else if len(r.Values) > maxExitCodeValues {
		errs = append(errs, field.TooMany(vp, len(r.Values), maxExitCodeValues))
	}
	seen := sets.New[int32]()
	ordered := true
	for j, v := range r.Values {
		if r.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && v == 0 {
			errs = append(errs, field.Invalid(vp.Index(j), v, "must not be 0 for the In operator"))
		}
		if seen.Has(v) {
			errs = append(errs, field.Duplicate(vp.Index(j), v))
		}
		seen.Insert(v)
		if j > 0 && r.Values[j-1] > v {
			ordered = false
		}
	}
	if !ordered {
		errs = append(errs, field.Invalid(vp, r.Values, "must be ordered"))
	}
	return errs
}

func validateOnPodConditions(pats []batchv1.PodFailurePolicyOnPodConditionsPattern, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(pats) > maxPodConditionPatterns {
		errs = append(errs, field.TooMany(p, len(pats), maxPodConditionPatterns))
	}
	for j, pat := range pats {
		pp := p.Index(j)
		errs = append(errs, qualifiedName(string(pat.Type), pp.Child("type"))...)
		sp := pp.Child("status")
		switch pat.Status {
		case "":
			errs = append(errs, field.Required(sp, fmt.Sprintf("valid values: %q", supportedConditionStatus)))
		case corev1.ConditionTrue, corev1.ConditionFalse, corev1.ConditionUnknown:
		default:
			errs = append(errs, field.NotSupported(sp, pat.Status, supportedConditionStatus))
		}
	}
	return errs
}

// validateSuccessPolicy (Indexed Jobs only): at least one rule, each with a
// succeededCount and/or well-formed succeededIndexes within completions.
func validateSuccessPolicy(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	rp := p.Child("rules")
	rules := spec.SuccessPolicy.Rules
	if len(rules) == 0 {
		errs = append(errs, field.Required(rp, "at least one rules must be specified when the successPolicy is specified"))
	}
	if len(rules) > maxSuccessPolicyRules {
		errs = append(errs, field.TooMany(rp, len(rules), maxSuccessPolicyRules))
	}
	var completions int32
	if spec.Completions != nil {
		completions = *spec.Completions
	}
	for i, r := range rules {
		errs = append(errs, validateSuccessRule(r, completions, rp.Index(i))...)
	}
	return errs
}

func validateSuccessRule(r batchv1.SuccessPolicyRule, completions int32, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if r.SucceededCount == nil && r.SucceededIndexes == nil {
		errs = append(errs, field.Required(p, "at least one of succeededCount or succeededIndexes must be specified"))
	}
	var total int32
	if r.SucceededIndexes != nil {
		ip := p.Child("succeededIndexes")
		if len(*r.SucceededIndexes) > maxSucceededIndexesLength {
			errs = append(errs, field.TooLong(ip, "", maxSucceededIndexesLength))
		}
		var err error
		if total, err = countIndexes(*r.SucceededIndexes, completions); err != nil {
			errs = append(errs, field.Invalid(ip, *r.SucceededIndexes, "error parsing succeededIndexes: "+err.Error()))
		}
	}
	if c := r.SucceededCount; c != nil {
		cp := p.Child("succeededCount")
		errs = append(errs, nonNegative(int64(*c), cp)...)
		if *c > completions {
			errs = append(errs, field.Invalid(cp, *c, fmt.Sprintf("must be less than or equal to %d (the number of specified completions)", completions)))
		}
		if r.SucceededIndexes != nil && *c > total {
			errs = append(errs, field.Invalid(cp, *c, fmt.Sprintf("must be less than or equal to %d (the number of indexes in the specified succeededIndexes field)", total)))
		}
	}
	return errs
}

// countIndexes parses an index list such as "1,3-5,7" (strictly
// increasing, each below completions) and returns how many it names.
func countIndexes(s string, completions int32) (int32, error) {
	if s == "" {
		return 0, nil
	}
	var total int32
	last := int64(-1)
	for _, part := range strings.Split(s, ",") {
		lo, hi, err := parseInterval(part, completions)
		if err != nil {
			return 0, err
		}
		if lo <= last {
			return 0, fmt.Errorf("non-increasing order, previous: %d, current: %d", last, lo)
		}
		total += int32(hi - lo + 1)
		last = hi
	}
	return total, nil
}

func parseInterval(part string, completions int32) (int64, int64, error) {
	bounds := strings.Split(part, "-")
	if len(bounds) > 2 {
		return 0, 0, fmt.Errorf("the fragment %q violates the requirement that an index interval can have at most two parts separated by '-'", part)
	}
	var nums [2]int64
	for i, b := range bounds {
		n, err := strconv.ParseInt(b, 10, 32)
		if err != nil || n < 0 {
			return 0, 0, fmt.Errorf("cannot convert string to integer for index: %q", b)
		}
		if n >= int64(completions) {
			return 0, 0, fmt.Errorf("too large index: %q", b)
		}
		nums[i] = n
	}
	if len(bounds) == 1 {
		return nums[0], nums[0], nil
	}
	if nums[0] >= nums[1] {
		return 0, 0, fmt.Errorf("non-increasing order, previous: %d, current: %d", nums[0], nums[1])
	}
	return nums[0], nums[1], nil
}
