package printers

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Jobs prints NAME STATUS COMPLETIONS DURATION AGE, and with -o wide
// CONTAINERS IMAGES SELECTOR.
func Jobs() Printer {
	return printer[batchv1.Job]{
		columns: columns(
			nameColumn(),
			column("Status", "string", "Status of the job."),
			column("Completions", "string", batchv1.JobStatus{}.SwaggerDoc()["succeeded"]),
			column("Duration", "string", "Time required to complete the job."),
			ageColumn(),
			containersColumn(), imagesColumn(),
			wideColumn("Selector", "string", batchv1.JobSpec{}.SwaggerDoc()["selector"]),
		),
		cells: jobCells,
	}
}

func jobCells(job *batchv1.Job, now time.Time) ([]any, error) {
	cells := []any{job.Name, jobStatus(job), jobCompletions(job), jobDuration(job, now), age(job.CreationTimestamp, now)}
	return append(append(cells, templateCells(job.Spec.Template.Spec)...), metav1.FormatLabelSelector(job.Spec.Selector)), nil
}

// jobStatus picks the most decisive state: terminal conditions first, then
// deletion, then the intermediate conditions, defaulting to Running.
func jobStatus(job *batchv1.Job) string {
	has := func(t batchv1.JobConditionType) bool { return jobConditionTrue(job, t) }
	switch {
	case has(batchv1.JobComplete):
		return "Complete"
	case has(batchv1.JobFailed):
		return "Failed"
	case job.DeletionTimestamp != nil:
		return "Terminating"
	case has(batchv1.JobSuspended):
		return "Suspended"
	case has(batchv1.JobFailureTarget):
		return "FailureTarget"
	case has(batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	}
	return "Running"
}

// jobConditionTrue reports whether the first condition of type t is True.
func jobConditionTrue(job *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range job.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// jobCompletions is "succeeded/completions"; a job without completions
// finishes after one success, shown as "n/1", or "n/1 of P" when it runs
// P pods in parallel.
func jobCompletions(job *batchv1.Job) string {
	if job.Spec.Completions != nil {
		return fmt.Sprintf("%d/%d", job.Status.Succeeded, *job.Spec.Completions)
	}
	if p := derefOr(job.Spec.Parallelism, 0); p > 1 {
		return fmt.Sprintf("%d/1 of %d", job.Status.Succeeded, p)
	}
	return fmt.Sprintf("%d/1", job.Status.Succeeded)
}

// jobDuration is how long the job ran, or has been running; blank before it starts.
func jobDuration(job *batchv1.Job, now time.Time) string {
	switch {
	case job.Status.StartTime == nil:
		return ""
	case job.Status.CompletionTime == nil:
		return durationSince(job.Status.StartTime.Time, now)
	default:
		return durationSince(job.Status.StartTime.Time, job.Status.CompletionTime.Time)
	}
}

// CronJobs prints NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE
// AGE, and with -o wide CONTAINERS IMAGES SELECTOR.
func CronJobs() Printer {
	spec, status := batchv1beta1.CronJobSpec{}.SwaggerDoc(), batchv1beta1.CronJobStatus{}.SwaggerDoc()
	return printer[batchv1.CronJob]{
		columns: columns(
			nameColumn(),
			column("Schedule", "string", spec["schedule"]),
			column("Timezone", "string", spec["timeZone"]),
			column("Suspend", "boolean", spec["suspend"]),
			column("Active", "integer", status["active"]),
			column("Last Schedule", "string", status["lastScheduleTime"]),
			ageColumn(),
			containersColumn(), imagesColumn(),
			wideColumn("Selector", "string", batchv1.JobSpec{}.SwaggerDoc()["selector"]),
		),
		cells: cronJobCells,
	}
}

func cronJobCells(cj *batchv1.CronJob, now time.Time) ([]any, error) {
	lastSchedule := none
	if t := cj.Status.LastScheduleTime; t != nil {
		lastSchedule = age(*t, now)
	}
	jobSpec := cj.Spec.JobTemplate.Spec
	cells := []any{
		cj.Name,
		cj.Spec.Schedule,
		derefOr(cj.Spec.TimeZone, none),
		boolPtr(cj.Spec.Suspend),
		int64(len(cj.Status.Active)),
		lastSchedule,
		age(cj.CreationTimestamp, now),
	}
	return append(append(cells, templateCells(jobSpec.Template.Spec)...), metav1.FormatLabelSelector(jobSpec.Selector)), nil
}
