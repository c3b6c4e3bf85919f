package cronjob

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ordo-dev/ordo/internal/cron"
)

// t0 is a fixed anchor on a whole minute; tests never read the wall clock.
var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func newCronJob(schedule string) *batchv1.CronJob {
	return &batchv1.CronJob{
		TypeMeta: metav1.TypeMeta{Kind: "CronJob", APIVersion: "batch/v1"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "backup", Namespace: "default", UID: "cj-uid",
			CreationTimestamp: metav1.NewTime(t0.Add(-30 * time.Second)),
		},
		Spec: batchv1.CronJobSpec{
			Schedule:          schedule,
			ConcurrencyPolicy: batchv1.AllowConcurrent,
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "backup"}},
				Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"true"}}},
				}}},
			},
		},
	}
}

func withLast(cj *batchv1.CronJob, t time.Time) *batchv1.CronJob {
	cj.Status.LastScheduleTime = &metav1.Time{Time: t}
	return cj
}

// job is a Job of cj for slot, in the given state ("" running, or
// Complete/Failed), started at slot.
func job(cj *batchv1.CronJob, slot time.Time, state batchv1.JobConditionType) *batchv1.Job {
	j := newJob(cj, slot, time.UTC, false)
	j.UID = types.UID("uid-" + j.Name)
	j.Status.StartTime = &metav1.Time{Time: slot}
	if state != "" {
		j.Status.Conditions = []batchv1.JobCondition{{Type: state, Status: corev1.ConditionTrue}}
		if state == batchv1.JobComplete {
			j.Status.CompletionTime = &metav1.Time{Time: slot.Add(10 * time.Second)}
		}
	}
	return j
}

func active(cj *batchv1.CronJob, jobs ...*batchv1.Job) *batchv1.CronJob {
	for _, j := range jobs {
		cj.Status.Active = append(cj.Status.Active, jobRef(j))
	}
	return cj
}

func decideAt(t *testing.T, cj *batchv1.CronJob, now time.Time, jobs []*batchv1.Job, m memo) plan {
	t.Helper()
	sched, err := cron.Parse(cj.Spec.Schedule, cj.Spec.TimeZone, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	catchUp, err := cron.CatchUpOf(cj.Annotations)
	if err != nil {
		t.Fatal(err)
	}
	return decide(input{cj: cj, jobs: jobs, sched: sched, catchUp: catchUp, now: now, memo: m, gone: map[string]bool{}})
}

func runSlots(p plan) []time.Time {
	var out []time.Time
	for _, r := range p.runs {
		out = append(out, r.slot)
	}
	return out
}

func reasons(p plan) []string {
	var out []string
	for _, e := range p.events {
		out = append(out, e.reason)
	}
	return out
}

func names(jobs []*batchv1.Job) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, j.Name)
	}
	return out
}
