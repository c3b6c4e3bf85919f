package printers

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	jobs     = schema.GroupResource{Group: "batch", Resource: "jobs"}
	cronJobs = schema.GroupResource{Group: "batch", Resource: "cronjobs"}
)

var twoContainers = corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
	{Name: "main", Image: "busybox:1.36"}, {Name: "log", Image: "fluent-bit:3"},
}}}

func TestJobColumns(t *testing.T) {
	assertColumns(t, jobs, &batchv1.Job{}, columnSet{
		normal: []string{"Name", "Status", "Completions", "Duration", "Age"},
		wide:   []string{"Containers", "Images", "Selector"},
	})
}

func TestJobCompleteRow(t *testing.T) {
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", CreationTimestamp: ago(time.Hour)},
		Spec: batchv1.JobSpec{
			Completions: ptr[int32](4),
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/job-name": "pi"}},
			Template:    twoContainers,
		},
		Status: batchv1.JobStatus{
			Succeeded:      2,
			StartTime:      agoPtr(time.Hour),
			CompletionTime: agoPtr(time.Hour - 95*time.Second),
			Conditions:     []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}},
		},
	}
	assertCells(t, jobs, job, "pi", "Complete", "2/4", "95s", "60m", "main,log", "busybox:1.36,fluent-bit:3", "batch.kubernetes.io/job-name=pi")
}

func TestJobStatus(t *testing.T) {
	cond := func(ts ...batchv1.JobConditionType) []batchv1.JobCondition {
		var out []batchv1.JobCondition
		for _, t := range ts {
			out = append(out, batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue})
		}
		return out
	}
	tests := []struct {
		name       string
		conditions []batchv1.JobCondition
		deleting   bool
		want       string
	}{
		{"no conditions", nil, false, "Running"},
		{"complete", cond(batchv1.JobSuccessCriteriaMet, batchv1.JobComplete), false, "Complete"},
		{"failed", cond(batchv1.JobFailureTarget, batchv1.JobFailed), false, "Failed"},
		{"complete wins over deletion", cond(batchv1.JobComplete), true, "Complete"},
		{"terminating", cond(batchv1.JobSuspended), true, "Terminating"},
		{"suspended", cond(batchv1.JobSuspended), false, "Suspended"},
		{"failure target", cond(batchv1.JobFailureTarget), false, "FailureTarget"},
		{"success criteria met", cond(batchv1.JobSuccessCriteriaMet), false, "SuccessCriteriaMet"},
		{"false condition is ignored", []batchv1.JobCondition{{Type: batchv1.JobSuspended, Status: corev1.ConditionFalse}}, false, "Running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := &batchv1.Job{Status: batchv1.JobStatus{Conditions: tt.conditions}}
			if tt.deleting {
				job.DeletionTimestamp = agoPtr(time.Second)
			}
			if got := cell(t, jobs, job, "Status"); got != tt.want {
				t.Errorf("status = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestJobCompletionsAndDuration(t *testing.T) {
	tests := []struct {
		name                  string
		spec                  batchv1.JobSpec
		status                batchv1.JobStatus
		completions, duration string
	}{
		{"not started", batchv1.JobSpec{Completions: ptr[int32](1)}, batchv1.JobStatus{}, "0/1", ""},
		{"still running", batchv1.JobSpec{Completions: ptr[int32](3)}, batchv1.JobStatus{Succeeded: 1, StartTime: agoPtr(5 * time.Minute)}, "1/3", "5m"},
		{"parallelism only", batchv1.JobSpec{Parallelism: ptr[int32](5)}, batchv1.JobStatus{Succeeded: 1}, "1/1 of 5", ""},
		{"single work queue", batchv1.JobSpec{Parallelism: ptr[int32](1)}, batchv1.JobStatus{}, "0/1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := &batchv1.Job{Spec: tt.spec, Status: tt.status}
			c := cellsOf(t, jobs, job)
			if c[2] != tt.completions || c[3] != tt.duration {
				t.Errorf("completions=%v duration=%v, want %s %s", c[2], c[3], tt.completions, tt.duration)
			}
		})
	}
}

func TestCronJobColumns(t *testing.T) {
	assertColumns(t, cronJobs, &batchv1.CronJob{}, columnSet{
		normal: []string{"Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age"},
		wide:   []string{"Containers", "Images", "Selector"},
	})
}

func TestCronJobCells(t *testing.T) {
	suspended := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "nightly", CreationTimestamp: ago(3 * day)},
		Spec: batchv1.CronJobSpec{
			Schedule: "0 2 * * *", TimeZone: ptr("Europe/Paris"), Suspend: ptr(true),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: twoContainers}},
		},
		Status: batchv1.CronJobStatus{Active: []corev1.ObjectReference{{Name: "nightly-1"}}, LastScheduleTime: agoPtr(10 * time.Hour)},
	}
	assertCells(t, cronJobs, suspended, "nightly", "0 2 * * *", "Europe/Paris", "True", int64(1), "10h", "3d", "main,log", "busybox:1.36,fluent-bit:3", "<none>")

	fresh := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "hourly", CreationTimestamp: ago(time.Minute)}, Spec: batchv1.CronJobSpec{Schedule: "@hourly", Suspend: ptr(false)}}
	assertCells(t, cronJobs, fresh, "hourly", "@hourly", "<none>", "False", int64(0), "<none>", "60s", "", "", "<none>")

	fresh.Spec.Suspend = nil
	if got := cell(t, cronJobs, fresh, "Suspend"); got != "<unset>" {
		t.Errorf("suspend = %v", got)
	}
}
