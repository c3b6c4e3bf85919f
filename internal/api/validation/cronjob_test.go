package validation

import (
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestParseSchedule(t *testing.T) {
	base := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		schedule string
		ok       bool
		next     time.Time // checked when non-zero
	}{
		{"*/5 * * * *", true, base.Add(5 * time.Minute)},
		{"0 */2 * * *", true, base.Add(2 * time.Hour)},
		{"30 * * * * *", true, base.Add(30 * time.Second)}, // 6 fields: seconds first
		{"*/10 * * * * *", true, base.Add(10 * time.Second)},
		{"@every 5s", true, base.Add(5 * time.Second)},
		{"@hourly", true, base.Add(time.Hour)},
		{"@daily", true, time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"TZ=UTC 0 * * * *", true, base.Add(time.Hour)},
		{"CRON_TZ=UTC 15 10 * * *", true, base.Add(15 * time.Minute)},
		{"not a cron", false, time.Time{}},
		{"* * * *", false, time.Time{}},
		{"* * * * * * *", false, time.Time{}},
		{"61 * * * *", false, time.Time{}},
		{"@sometimes", false, time.Time{}},
		{"TZ=Mars/Olympus * * * * *", false, time.Time{}},
		{"", false, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.schedule, func(t *testing.T) {
			s, err := ParseSchedule(tc.schedule)
			if tc.ok != (err == nil) {
				t.Fatalf("ParseSchedule(%q) err = %v, want ok=%v", tc.schedule, err, tc.ok)
			}
			if tc.ok && !tc.next.IsZero() {
				if got := s.Next(base); !got.Equal(tc.next) {
					t.Fatalf("Next(%v) = %v, want %v", base, got, tc.next)
				}
			}
		})
	}
}

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
	_, perr := ParseSchedule("not a cron")
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
