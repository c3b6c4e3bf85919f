package validation

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// Kubernetes' caps on Indexed Jobs and their policies.
const (
	maxParallelismForIndexedJob = 100_000
	maxFailedIndexesForIndexed  = 100_000
	maxPodFailurePolicyRules    = 20
	maxExitCodeValues           = 255
	maxPodConditionPatterns     = 20
	maxManagedByLength          = 63
	maxSuccessPolicyRules       = 20
	maxSucceededIndexesLength   = 64 * 1024
)

var (
	supportedFailureActions = []batchv1.PodFailurePolicyAction{batchv1.PodFailurePolicyActionCount,
		batchv1.PodFailurePolicyActionFailIndex, batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyActionIgnore}
	supportedExitCodeOps = []batchv1.PodFailurePolicyOnExitCodesOperator{batchv1.PodFailurePolicyOnExitCodesOpIn,
		batchv1.PodFailurePolicyOnExitCodesOpNotIn}
	supportedConditionStatus = []corev1.ConditionStatus{corev1.ConditionFalse, corev1.ConditionTrue, corev1.ConditionUnknown}
	supportedReplacement     = []batchv1.PodReplacementPolicy{batchv1.Failed, batchv1.TerminatingOrFailed}
)

// ValidateJob validates a new Job. Besides metadata and spec, the name must
// fit in a label value (the job-name label on its pods) and, for Indexed
// jobs, leave room for the "-<index>" pod hostname suffix.
func ValidateJob(job *batchv1.Job) field.ErrorList {
	errs := validateMeta(&job.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	if !ptr.Deref(job.Spec.ManualSelector, false) && job.Name != "" {
		errs = append(errs, msgsToErrs(content.IsLabelValue(job.Name), job.Name, metadataPath.Child("name"))...)
	}
	errs = append(errs, ValidateJobSpec(&job.Spec, field.NewPath("spec"))...)
	if isIndexed(&job.Spec) && job.Spec.Completions != nil && *job.Spec.Completions > 0 {
		host := fmt.Sprintf("%s-%d", job.Name, *job.Spec.Completions-1)
		if len(utilvalidation.IsDNS1123Label(host)) > 0 {
			errs = append(errs, field.Invalid(metadataPath.Child("name"), job.Name,
				fmt.Sprintf("will not able to create pod with invalid DNS label: %s", host)))
		}
	}
	return errs
}

// ValidateJobSpec validates a Job's spec including its (generated or
// manual) selector, which must select the template's labels.
func ValidateJobSpec(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	errs := validateJobSpecBody(spec, p)
	sp := p.Child("selector")
	if spec.Selector == nil {
		return append(errs, field.Required(sp, ""))
	}
	errs = append(errs, metavalidation.ValidateLabelSelector(spec.Selector, selectorOpts, sp)...)
	if s, err := metav1.LabelSelectorAsSelector(spec.Selector); err == nil && !s.Matches(labels.Set(spec.Template.Labels)) {
		errs = append(errs, field.Invalid(p.Child("template", "metadata", "labels"), spec.Template.Labels, selectorMismatchErrMsg))
	}
	return errs
}

func isIndexed(spec *batchv1.JobSpec) bool {
	return ptr.Deref(spec.CompletionMode, batchv1.NonIndexedCompletion) == batchv1.IndexedCompletion
}

// validateJobSpecBody holds the Job spec rules that do not involve the
// selector, shared by Jobs and CronJob job templates.
func validateJobSpecBody(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	errs := nonNegative32(spec.Parallelism, p.Child("parallelism"))
	errs = append(errs, nonNegative32(spec.Completions, p.Child("completions"))...)
	if spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, nonNegative(*spec.ActiveDeadlineSeconds, p.Child("activeDeadlineSeconds"))...)
	}
	errs = append(errs, nonNegative32(spec.BackoffLimit, p.Child("backoffLimit"))...)
	errs = append(errs, nonNegative32(spec.TTLSecondsAfterFinished, p.Child("ttlSecondsAfterFinished"))...)
	errs = append(errs, nonNegative32(spec.BackoffLimitPerIndex, p.Child("backoffLimitPerIndex"))...)
	if spec.MaxFailedIndexes != nil {
		errs = append(errs, nonNegative32(spec.MaxFailedIndexes, p.Child("maxFailedIndexes"))...)
		if spec.BackoffLimitPerIndex == nil {
			errs = append(errs, field.Required(p.Child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
		}
	}
	if m := spec.ManagedBy; m != nil {
		errs = append(errs, utilvalidation.IsDomainPrefixedPath(p.Child("managedBy"), *m)...)
		if len(*m) > maxManagedByLength {
			errs = append(errs, field.TooLong(p.Child("managedBy"), "", maxManagedByLength))
		}
	}
	errs = append(errs, validateCompletionMode(spec, p)...)
	if spec.PodFailurePolicy != nil {
		errs = append(errs, validatePodFailurePolicy(spec, p.Child("podFailurePolicy"))...)
	}
	if spec.SuccessPolicy != nil {
		if !isIndexed(spec) {
			errs = append(errs, field.Invalid(p.Child("successPolicy"), *spec.SuccessPolicy, "requires indexed completion mode"))
		} else {
			errs = append(errs, validateSuccessPolicy(spec, p.Child("successPolicy"))...)
		}
	}
	errs = append(errs, validatePodReplacementPolicy(spec, p.Child("podReplacementPolicy"))...)
	errs = append(errs, ValidatePodTemplateSpec(&spec.Template, p.Child("template"))...)
	return append(errs, validateJobRestartPolicy(spec, p.Child("template", "spec", "restartPolicy"))...)
}

// validateJobRestartPolicy: Job pods must terminate, so Always (the pod
// default) is refused with Kubernetes' Required "valid values" wording, and a
// podFailurePolicy needs Never so that every failure is a visible pod.
func validateJobRestartPolicy(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	rp := spec.Template.Spec.RestartPolicy
	switch {
	case rp == corev1.RestartPolicyAlways || rp == "":
		return field.ErrorList{field.Required(p, fmt.Sprintf("valid values: %q, %q", corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever))}
	case rp != corev1.RestartPolicyOnFailure && rp != corev1.RestartPolicyNever:
		return field.ErrorList{field.NotSupported(p, rp, []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever})}
	case spec.PodFailurePolicy != nil && rp != corev1.RestartPolicyNever:
		return field.ErrorList{field.Invalid(p, rp, fmt.Sprintf("only %q is supported when podFailurePolicy is specified", corev1.RestartPolicyNever))}
	}
	return nil
}

// validateCompletionMode checks the mode and the fields that only make
// sense for one of the two modes.
func validateCompletionMode(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if m := spec.CompletionMode; m != nil && *m != batchv1.NonIndexedCompletion && *m != batchv1.IndexedCompletion {
		errs = append(errs, field.NotSupported(p.Child("completionMode"), *m,
			[]batchv1.CompletionMode{batchv1.NonIndexedCompletion, batchv1.IndexedCompletion}))
	}
	if !isIndexed(spec) {
		if spec.BackoffLimitPerIndex != nil {
			errs = append(errs, field.Invalid(p.Child("backoffLimitPerIndex"), *spec.BackoffLimitPerIndex, "requires indexed completion mode"))
		}
		if spec.MaxFailedIndexes != nil {
			errs = append(errs, field.Invalid(p.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, "requires indexed completion mode"))
		}
		return errs
	}
	if spec.Completions == nil {
		errs = append(errs, field.Required(p.Child("completions"), fmt.Sprintf("when completion mode is %s", batchv1.IndexedCompletion)))
	}
	if spec.Parallelism != nil && *spec.Parallelism > maxParallelismForIndexedJob {
		errs = append(errs, field.Invalid(p.Child("parallelism"), *spec.Parallelism,
			fmt.Sprintf("must be less than or equal to %d when completion mode is %s", maxParallelismForIndexedJob, batchv1.IndexedCompletion)))
	}
	if mf := spec.MaxFailedIndexes; mf != nil {
		if spec.Completions != nil && *mf > *spec.Completions {
			errs = append(errs, field.Invalid(p.Child("maxFailedIndexes"), *mf, "must be less than or equal to completions"))
		}
		if *mf > maxFailedIndexesForIndexed {
			errs = append(errs, field.Invalid(p.Child("maxFailedIndexes"), *mf, fmt.Sprintf("must be less than or equal to %d", maxFailedIndexesForIndexed)))
		}
	}
	return errs
}

func validatePodReplacementPolicy(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	r := spec.PodReplacementPolicy
	if r == nil {
		return nil
	}
	if spec.PodFailurePolicy != nil {
		if *r != batchv1.Failed {
			return field.ErrorList{field.NotSupported(p, *r, []batchv1.PodReplacementPolicy{batchv1.Failed})}
		}
		return nil
	}
	if *r != batchv1.Failed && *r != batchv1.TerminatingOrFailed {
		return field.ErrorList{field.NotSupported(p, *r, supportedReplacement)}
	}
	return nil
}

// ValidateJobUpdate validates job replacing old: the new spec must be valid,
// and selector, completion mode and the failure/success policies are fixed.
// The pod template may change only while the old Job is suspended, and
// completions only for elastic Indexed Jobs (see validateCompletionsUpdate).
func ValidateJobUpdate(job, old *batchv1.Job) field.ErrorList {
	errs := validateMetaUpdate(&job.ObjectMeta, &old.ObjectMeta)
	p := field.NewPath("spec")
	s, o := &job.Spec, &old.Spec
	errs = append(errs, ValidateJobSpec(s, p)...)
	errs = append(errs, validateCompletionsUpdate(s, o, p)...)
	errs = append(errs, immutable(s.Selector, o.Selector, p.Child("selector"))...)
	if !ptr.Deref(o.Suspend, false) {
		errs = append(errs, immutable(s.Template, o.Template, p.Child("template"))...)
	}
	errs = append(errs, immutable(s.CompletionMode, o.CompletionMode, p.Child("completionMode"))...)
	errs = append(errs, immutable(s.PodFailurePolicy, o.PodFailurePolicy, p.Child("podFailurePolicy"))...)
	errs = append(errs, immutable(s.BackoffLimitPerIndex, o.BackoffLimitPerIndex, p.Child("backoffLimitPerIndex"))...)
	errs = append(errs, immutable(s.ManagedBy, o.ManagedBy, p.Child("managedBy"))...)
	return append(errs, immutable(s.SuccessPolicy, o.SuccessPolicy, p.Child("successPolicy"))...)
}

// validateCompletionsUpdate keeps completions fixed, except that an Indexed
// Job whose completions equal its parallelism may scale both together
// (elastic Indexed Jobs), keeping them equal.
func validateCompletionsUpdate(s, o *batchv1.JobSpec, p *field.Path) field.ErrorList {
	cp := p.Child("completions")
	if !isIndexed(s) {
		return immutable(s.Completions, o.Completions, cp)
	}
	if ptr.Equal(s.Completions, o.Completions) || s.Completions == nil {
		return nil // a nil completions on an Indexed Job is reported by the spec rules
	}
	wasElastic := ptr.Equal(o.Completions, o.Parallelism)
	if !wasElastic || !ptr.Equal(s.Completions, s.Parallelism) {
		return field.ErrorList{field.Invalid(cp, *s.Completions, fmt.Sprintf("can only be modified in tandem with %s", p.Child("parallelism")))}
	}
	return nil
}

// ValidateJobStatusUpdate validates a write to jobs/status: metadata update
// rules and non-negative pod counters.
func ValidateJobStatusUpdate(job, old *batchv1.Job) field.ErrorList {
	errs := validateMetaUpdate(&job.ObjectMeta, &old.ObjectMeta)
	p := field.NewPath("status")
	st := &job.Status
	errs = append(errs, nonNegative(int64(st.Active), p.Child("active"))...)
	errs = append(errs, nonNegative(int64(st.Succeeded), p.Child("succeeded"))...)
	errs = append(errs, nonNegative(int64(st.Failed), p.Child("failed"))...)
	errs = append(errs, nonNegative32(st.Ready, p.Child("ready"))...)
	errs = append(errs, nonNegative32(st.Terminating, p.Child("terminating"))...)
	if st.StartTime != nil && st.CompletionTime != nil && st.CompletionTime.Before(st.StartTime) {
		errs = append(errs, field.Invalid(p.Child("completionTime"), st.CompletionTime, "must be equal to or after `startTime`"))
	}
	return errs
}

// containerNameSet lists a template's container and init container names,
// which podFailurePolicy exit-code rules may refer to.
func containerNameSet(spec *corev1.PodSpec) sets.Set[string] {
	names := sets.New[string]()
	for _, c := range spec.Containers {
		names.Insert(c.Name)
	}
	for _, c := range spec.InitContainers {
		names.Insert(c.Name)
	}
	return names
}
