package validation

import (
	"strings"
	"testing"

	"github.com/ordo-dev/ordo/internal/cron"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func TestValidateCronJob(t *testing.T) {
	tmplRP := "spec.jobTemplate.spec.template.spec.restartPolicy"
	cases := []struct {
		name   string
		mutate func(c *batchv1.CronJob)
		wants  []want
	}{
		{"valid", func(c *batchv1.CronJob) {}, nil},
		{"six-field schedule", func(c *batchv1.CronJob) { c.Spec.Schedule = "*/15 * * * * *" }, nil},
		{"every", func(c *batchv1.CronJob) { c.Spec.Schedule = "@every 5s" }, nil},
		{"catch-up all", func(c *batchv1.CronJob) { c.Annotations = map[string]string{cron.CatchUpAnnotation: "all"} }, nil},
		{"catch-up typo", func(c *batchv1.CronJob) { c.Annotations = map[string]string{cron.CatchUpAnnotation: "every"} },
			[]want{notSup("metadata.annotations[ordo.dev/catch-up]")}},
		{"warm runner", func(c *batchv1.CronJob) {
			c.Annotations = map[string]string{"ordo.dev/runner": "warm", "ordo.dev/runner-lifetime": "20s"}
		}, nil},
		{"warm runner with two containers", func(c *batchv1.CronJob) {
			c.Annotations = map[string]string{"ordo.dev/runner": "warm"}
			spec := &c.Spec.JobTemplate.Spec.Template.Spec
			spec.Containers = append(spec.Containers, corev1.Container{Name: "second", Image: "busybox", Command: []string{"true"},
				ImagePullPolicy: corev1.PullIfNotPresent, TerminationMessagePolicy: corev1.TerminationMessageReadFile})
		}, []want{{field.ErrorTypeTooMany, "spec.jobTemplate.spec.template.spec.containers"}}},
		{"two containers without a warm runner", func(c *batchv1.CronJob) {
			spec := &c.Spec.JobTemplate.Spec.Template.Spec
			spec.Containers = append(spec.Containers, corev1.Container{Name: "second", Image: "busybox", Command: []string{"true"},
				ImagePullPolicy: corev1.PullIfNotPresent, TerminationMessagePolicy: corev1.TerminationMessageReadFile})
		}, nil},
		{"runner typo", func(c *batchv1.CronJob) { c.Annotations = map[string]string{"ordo.dev/runner": "hot"} },
			[]want{notSup("metadata.annotations[ordo.dev/runner]")}},
		{"runner lifetime too short", func(c *batchv1.CronJob) { c.Annotations = map[string]string{"ordo.dev/runner-lifetime": "5s"} },
			[]want{inv("metadata.annotations[ordo.dev/runner-lifetime]")}},
		{"name 52 chars", func(c *batchv1.CronJob) { c.Name = strings.Repeat("a", 52) }, nil},
		{"name 53 chars", func(c *batchv1.CronJob) { c.Name = strings.Repeat("a", 53) }, []want{inv("metadata.name")}},
		{"schedule required", func(c *batchv1.CronJob) { c.Spec.Schedule = "" }, []want{req("spec.schedule")}},
		{"schedule invalid", func(c *batchv1.CronJob) { c.Spec.Schedule = "not a cron" }, []want{inv("spec.schedule")}},
		{"time zone valid", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("Europe/Berlin") }, nil},
		{"time zone unknown", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("Mars/Olympus") }, []want{inv("spec.timeZone")}},
		{"time zone empty", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("") }, []want{inv("spec.timeZone")}},
		{"time zone Local", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("Local") }, []want{inv("spec.timeZone")}},
		{"time zone bad chars", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("../etc/passwd") }, []want{inv("spec.timeZone")}},
		{"TZ prefix alone", func(c *batchv1.CronJob) { c.Spec.Schedule = "TZ=UTC 0 * * * *" }, nil},
		{"TZ prefix with timeZone", func(c *batchv1.CronJob) {
			c.Spec.Schedule = "CRON_TZ=UTC 0 * * * *"
			c.Spec.TimeZone = ptr.To("UTC")
		}, []want{inv("spec.schedule")}},
		{"concurrency policy", func(c *batchv1.CronJob) { c.Spec.ConcurrencyPolicy = "Sometimes" }, []want{notSup("spec.concurrencyPolicy")}},
		{"concurrency policy empty", func(c *batchv1.CronJob) { c.Spec.ConcurrencyPolicy = "" }, []want{req("spec.concurrencyPolicy")}},
		{"negative numbers", func(c *batchv1.CronJob) {
			c.Spec.StartingDeadlineSeconds = ptr.To[int64](-1)
			c.Spec.SuccessfulJobsHistoryLimit = ptr.To[int32](-1)
			c.Spec.FailedJobsHistoryLimit = ptr.To[int32](-1)
		}, []want{inv("spec.startingDeadlineSeconds"), inv("spec.successfulJobsHistoryLimit"), inv("spec.failedJobsHistoryLimit")}},
		{"template restartPolicy Always", func(c *batchv1.CronJob) {
			c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}, []want{req(tmplRP)}},
		{"template selector not required but refused if set", func(c *batchv1.CronJob) {
			c.Spec.JobTemplate.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
		}, []want{inv("spec.jobTemplate.spec.selector")}},
		{"template manual selector", func(c *batchv1.CronJob) { c.Spec.JobTemplate.Spec.ManualSelector = ptr.To(true) },
			[]want{notSup("spec.jobTemplate.spec.manualSelector")}},
		{"template job spec rules", func(c *batchv1.CronJob) {
			c.Spec.JobTemplate.Spec.BackoffLimit = ptr.To[int32](-1)
			c.Spec.JobTemplate.Spec.Template.Spec.Containers = nil
		}, []want{inv("spec.jobTemplate.spec.backoffLimit"), req("spec.jobTemplate.spec.template.spec.containers")}},
		{"template labels", func(c *batchv1.CronJob) {
			c.Spec.JobTemplate.Labels = map[string]string{"a": "not valid!"}
		}, []want{inv("spec.jobTemplate.metadata.labels")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validCronJob()
			tc.mutate(c)
			expectErrs(t, ValidateCronJob(c), tc.wants...)
			expectErrs(t, Create(c), tc.wants...)
		})
	}
}

func TestCronJobWording(t *testing.T) {
	c := validCronJob()
	c.Name = strings.Repeat("a", 53)
	c.Spec.Schedule = "not a cron"
	c.Spec.TimeZone = ptr.To("Mars/Olympus")
	errs := ValidateCronJob(c)
	expectDetail(t, errs, "metadata.name", "must be no more than 52 characters")
	expectDetail(t, errs, "spec.timeZone", "unknown time zone Mars/Olympus")
	perr := cron.Validate("not a cron")
	expectDetail(t, errs, "spec.schedule", perr.Error())
}

func TestValidateCronJobUpdate(t *testing.T) {
	old := validCronJob()
	old.Name = strings.Repeat("a", 60) // created before the limit: still updatable
	rv(&old.ObjectMeta)
	c := old.DeepCopy()
	c.Spec.Schedule = "0 0 * * *"
	expectErrs(t, ValidateCronJobUpdate(c, old))
	expectErrs(t, Update(c, old))

	c.Spec.Schedule = "bad"
	expectErrs(t, Update(c, old), inv("spec.schedule"))

	c = old.DeepCopy()
	c.Spec.TimeZone = ptr.To("Nowhere/City")
	expectErrs(t, Update(c, old), inv("spec.timeZone"))
}
