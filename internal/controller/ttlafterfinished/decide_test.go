package ttlafterfinished

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var anchor = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type jobOpt func(*batchv1.Job)

func testJob(opts ...jobOpt) *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "j", UID: "uid-1", ResourceVersion: "7"}}
	for _, o := range opts {
		o(j)
	}
	return j
}

func ttl(s int32) jobOpt { return func(j *batchv1.Job) { j.Spec.TTLSecondsAfterFinished = &s } }

func finishedAs(t batchv1.JobConditionType, at time.Time) jobOpt {
	return func(j *batchv1.Job) {
		j.Status.Conditions = append(j.Status.Conditions, batchv1.JobCondition{
			Type: t, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(at)})
	}
}

func completedAt(at time.Time) jobOpt {
	return func(j *batchv1.Job) { j.Status.CompletionTime = ptr.To(metav1.NewTime(at)) }
}

func TestDecide(t *testing.T) {
	deleting := func(j *batchv1.Job) { j.DeletionTimestamp = ptr.To(metav1.NewTime(anchor)) }
	cases := []struct {
		name   string
		job    *batchv1.Job
		now    time.Time
		ok     bool
		remove bool
		after  time.Duration
	}{
		{"no TTL", testJob(finishedAs(batchv1.JobComplete, anchor), completedAt(anchor)), anchor.Add(time.Hour), false, false, 0},
		{"not finished", testJob(ttl(0)), anchor, false, false, 0},
		{"not finished: Suspended or SuccessCriteriaMet do not count", testJob(ttl(0), finishedAs(batchv1.JobSuccessCriteriaMet, anchor)), anchor, false, false, 0},
		{"already being deleted", testJob(ttl(0), finishedAs(batchv1.JobComplete, anchor), deleting), anchor, false, false, 0},
		{"TTL 0: at once", testJob(ttl(0), finishedAs(batchv1.JobComplete, anchor), completedAt(anchor)), anchor, true, true, 0},
		{"Complete: from completionTime, exactly", testJob(ttl(100), finishedAs(batchv1.JobComplete, anchor.Add(-time.Hour)), completedAt(anchor)),
			anchor.Add(40 * time.Second), true, false, 60 * time.Second},
		{"expired", testJob(ttl(100), finishedAs(batchv1.JobComplete, anchor), completedAt(anchor)), anchor.Add(100 * time.Second), true, true, 0},
		{"Failed: from the condition", testJob(ttl(10), finishedAs(batchv1.JobFailed, anchor)), anchor.Add(3 * time.Second), true, false, 7 * time.Second},
		{"a finish time in the future waits for it", testJob(ttl(5), finishedAs(batchv1.JobFailed, anchor.Add(time.Minute))), anchor, true, false, 65 * time.Second},
		{"finished with no time", testJob(ttl(5), finishedAs(batchv1.JobFailed, time.Time{})), anchor, false, false, 0},
	}
	for _, c := range cases {
		d := decide(c.job, c.now)
		if (d != nil) != c.ok || (d != nil && (d.remove != c.remove || d.after != c.after)) {
			t.Errorf("%s: %+v, want remove %v after %v (%v)", c.name, d, c.remove, c.after, c.ok)
		}
	}
}
