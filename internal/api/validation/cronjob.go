package validation

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/runner"
	batchv1 "k8s.io/api/batch/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// maxCronJobNameLength leaves room for the 11-character "-<timestamp>"
// suffix the controller appends to make a Job name of at most 63 characters.
const maxCronJobNameLength = 63 - 11

var (
	// timeZonePart is the IANA naming rule for one path component of a
	// zone name (digits and '+' tolerated for legacy names), as Kubernetes
	// checks before touching the zone database.
	timeZonePart         = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)
	supportedConcurrency = []batchv1.ConcurrencyPolicy{batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent}
)

// ValidateCronJob validates a new CronJob. The 52-character name limit is a
// create-time rule only, as in Kubernetes, so older long-named CronJobs can
// still be updated and deleted.
func ValidateCronJob(cj *batchv1.CronJob) field.ErrorList {
	errs := validateMeta(&cj.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	if len(cj.Name) > maxCronJobNameLength {
		errs = append(errs, field.Invalid(metadataPath.Child("name"), cj.Name, fmt.Sprintf("must be no more than %d characters", maxCronJobNameLength)))
	}
	errs = append(errs, validateCatchUp(cj.Annotations)...)
	errs = append(errs, validateRunner(cj.Annotations, &cj.Spec)...)
	return append(errs, ValidateCronJobSpec(&cj.Spec, nil, field.NewPath("spec"))...)
}

// validateCatchUp checks ordo's catch-up annotation, so a typo is refused
// instead of silently meaning the default.
func validateCatchUp(annotations map[string]string) field.ErrorList {
	if _, err := cron.CatchUpOf(annotations); err != nil {
		p := metadataPath.Child("annotations").Key(cron.CatchUpAnnotation)
		return field.ErrorList{field.NotSupported(p, annotations[cron.CatchUpAnnotation], cron.CatchUpValues)}
	}
	return nil
}

// validateRunner checks the warm-runner annotations: only "warm" asks for
// a runner, and its lifetime must be a duration of at least the minimum.
func validateRunner(annotations map[string]string, spec *batchv1.CronJobSpec) field.ErrorList {
	var errs field.ErrorList
	ann := metadataPath.Child("annotations")
	// A runner pod runs one command per slot: a second container would be
	// started once and never run at a slot, so it is refused by name.
	if annotations[runner.RunnerAnnotation] == runner.WarmRunner {
		if n := len(spec.JobTemplate.Spec.Template.Spec.Containers); n > 1 {
			errs = append(errs, &field.Error{Type: field.ErrorTypeTooMany, BadValue: n,
				Field:  "spec.jobTemplate.spec.template.spec.containers",
				Detail: "must have at most 1 item: a warm runner (" + runner.RunnerAnnotation + ": " + runner.WarmRunner + ") runs one container at each slot"})
		}
	}
	if v, ok := annotations[runner.RunnerAnnotation]; ok && v != runner.WarmRunner {
		errs = append(errs, field.NotSupported(ann.Key(runner.RunnerAnnotation), v, []string{runner.WarmRunner}))
	}
	if _, err := runner.LifetimeOf(annotations); err != nil {
		errs = append(errs, field.Invalid(ann.Key(runner.LifetimeAnnotation), annotations[runner.LifetimeAnnotation], err.Error()))
	}
	return errs
}

// ValidateCronJobUpdate validates cj replacing old.
func ValidateCronJobUpdate(cj, old *batchv1.CronJob) field.ErrorList {
	errs := validateMetaUpdate(&cj.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, validateCatchUp(cj.Annotations)...)
	errs = append(errs, validateRunner(cj.Annotations, &cj.Spec)...)
	return append(errs, ValidateCronJobSpec(&cj.Spec, &old.Spec, field.NewPath("spec"))...)
}

// ValidateCronJobSpec validates a CronJob spec; old is nil on create. The
// time zone is re-checked only when it changes, so a zone later dropped from
// the database does not make an existing CronJob unupdatable.
func ValidateCronJobSpec(spec, old *batchv1.CronJobSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	sp := p.Child("schedule")
	if spec.Schedule == "" {
		errs = append(errs, field.Required(sp, ""))
	} else {
		if err := cron.Validate(spec.Schedule); err != nil {
			errs = append(errs, field.Invalid(sp, spec.Schedule, err.Error()))
		}
		if spec.TimeZone != nil && cron.HasTZPrefix(spec.Schedule) {
			errs = append(errs, field.Invalid(sp, spec.Schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
		}
	}
	if old == nil || !ptr.Equal(old.TimeZone, spec.TimeZone) {
		errs = append(errs, validateTimeZone(spec.TimeZone, p.Child("timeZone"))...)
	}
	if spec.StartingDeadlineSeconds != nil {
		errs = append(errs, nonNegative(*spec.StartingDeadlineSeconds, p.Child("startingDeadlineSeconds"))...)
	}
	errs = append(errs, validateConcurrencyPolicy(spec.ConcurrencyPolicy, p.Child("concurrencyPolicy"))...)
	errs = append(errs, nonNegative32(spec.SuccessfulJobsHistoryLimit, p.Child("successfulJobsHistoryLimit"))...)
	errs = append(errs, nonNegative32(spec.FailedJobsHistoryLimit, p.Child("failedJobsHistoryLimit"))...)
	return append(errs, ValidateJobTemplateSpec(&spec.JobTemplate, p.Child("jobTemplate"))...)
}

// validateTimeZone requires an explicit IANA zone the runtime can load;
// "Local" would make the schedule depend on the server's setting.
func validateTimeZone(tz *string, p *field.Path) field.ErrorList {
	if tz == nil {
		return nil
	}
	if *tz == "" {
		return field.ErrorList{field.Invalid(p, tz, "timeZone must be nil or non-empty string")}
	}
	for _, part := range strings.Split(*tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !timeZonePart.MatchString(part) {
			return field.ErrorList{field.Invalid(p, tz, fmt.Sprintf("unknown time zone %s", *tz))}
		}
	}
	var errs field.ErrorList
	if strings.EqualFold(*tz, "Local") {
		errs = append(errs, field.Invalid(p, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		errs = append(errs, field.Invalid(p, tz, err.Error()))
	}
	return errs
}

func validateConcurrencyPolicy(v batchv1.ConcurrencyPolicy, p *field.Path) field.ErrorList {
	switch v {
	case batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
		return nil
	case "":
		return field.ErrorList{field.Required(p, "")}
	}
	return field.ErrorList{field.NotSupported(p, v, supportedConcurrency)}
}

// ValidateJobTemplateSpec validates a CronJob's job template: the Job spec
// rules without a selector, which the controller generates for each Job,
// so a user-supplied one is refused as in Kubernetes.
func ValidateJobTemplateSpec(t *batchv1.JobTemplateSpec, p *field.Path) field.ErrorList {
	errs := metavalidation.ValidateLabels(t.Labels, p.Child("metadata", "labels"))
	errs = append(errs, apivalidation.ValidateAnnotations(t.Annotations, p.Child("metadata", "annotations"))...)
	sp := p.Child("spec")
	errs = append(errs, validateJobSpecBody(&t.Spec, sp)...)
	if t.Spec.Selector != nil {
		errs = append(errs, field.Invalid(sp.Child("selector"), t.Spec.Selector, "`selector` will be auto-generated"))
	}
	if ptr.Deref(t.Spec.ManualSelector, false) {
		errs = append(errs, field.NotSupported(sp.Child("manualSelector"), t.Spec.ManualSelector, []string{"nil", "false"}))
	}
	return errs
}
