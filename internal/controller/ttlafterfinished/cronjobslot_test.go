package ttlafterfinished

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

var slot = anchor.Add(-time.Minute)

func ofCronJob(uid types.UID, slotAnnotation string) jobOpt {
	return func(j *batchv1.Job) {
		j.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: "cj", UID: uid, Controller: ptr.To(true)}}
		if slotAnnotation != "" {
			j.Annotations = map[string]string{batchv1.CronJobScheduledTimestampAnnotation: slotAnnotation}
		}
	}
}

func cronJobAt(last *time.Time) *batchv1.CronJob {
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "cj", UID: "cj-uid"}}
	if last != nil {
		cj.Status.LastScheduleTime = &metav1.Time{Time: *last}
	}
	return cj
}

func TestSlotUnrecorded(t *testing.T) {
	stamp := slot.Format(time.RFC3339)
	before, later := slot.Add(-time.Second), slot.Add(time.Minute)
	cases := []struct {
		name string
		job  *batchv1.Job
		cj   *batchv1.CronJob
		want bool
	}{
		{"status has no lastScheduleTime yet", testJob(ofCronJob("cj-uid", stamp)), cronJobAt(nil), true},
		{"status records an earlier slot", testJob(ofCronJob("cj-uid", stamp)), cronJobAt(&before), true},
		{"status records this slot", testJob(ofCronJob("cj-uid", stamp)), cronJobAt(&slot), false},
		{"status records a later slot", testJob(ofCronJob("cj-uid", stamp)), cronJobAt(&later), false},
		{"manual run: no slot annotation", testJob(ofCronJob("cj-uid", "")), cronJobAt(nil), false},
		{"the CronJob is gone", testJob(ofCronJob("cj-uid", stamp)), nil, false},
		{"the CronJob was replaced", testJob(ofCronJob("old-uid", stamp)), cronJobAt(nil), false},
		{"not a CronJob's Job", testJob(), cronJobAt(nil), false},
		{"unparsable slot", testJob(ofCronJob("cj-uid", "yesterday")), cronJobAt(nil), false},
	}
	for _, c := range cases {
		if got := slotUnrecorded(c.job, c.cj); got != c.want {
			t.Errorf("%s: slotUnrecorded = %v, want %v", c.name, got, c.want)
		}
	}
}

// A CronJob's Job with TTL 0 whose slot the CronJob's status does not
// record yet is not deleted; once the status records it, it is.
func TestSyncWaitsForTheCronJobToRecordTheSlot(t *testing.T) {
	job := testJob(ttl(0), finishedAs(batchv1.JobComplete, anchor), completedAt(anchor), ofCronJob("cj-uid", slot.Format(time.RFC3339)))
	ctl, client := newController(t, job, job, anchor)
	cj := cronJobAt(nil)
	if err := ctl.cronJobs.GetIndexer().Add(cj); err != nil {
		t.Fatal(err)
	}
	after, err := ctl.sync(context.Background(), "default/j")
	if err != nil || after == nil || *after != recheckUnrecordedSlot {
		t.Fatalf("sync = %v, %v; want a recheck in %v", after, err, recheckUnrecordedSlot)
	}
	if got := verbs(client); len(got) != 1 || got[0] != "get" {
		t.Fatalf("actions %v: only the fresh read", got)
	}

	recorded := cj.DeepCopy()
	recorded.Status.LastScheduleTime = &metav1.Time{Time: slot}
	if err := ctl.cronJobs.GetIndexer().Update(recorded); err != nil {
		t.Fatal(err)
	}
	client.ClearActions()
	if after, err := ctl.sync(context.Background(), "default/j"); err != nil || after != nil {
		t.Fatalf("sync = %v, %v", after, err)
	}
	if got := verbs(client); len(got) != 2 || got[1] != "delete" {
		t.Errorf("actions %v: the fresh read, then the delete", got)
	}
}
