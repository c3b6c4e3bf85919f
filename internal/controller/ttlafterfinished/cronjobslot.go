package ttlafterfinished

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// recheckUnrecordedSlot is how soon a Job held back by slotUnrecorded is
// looked at again. The CronJob controller writes the status moments after
// it creates the Jobs of an instant, so the wait is short and rare.
const recheckUnrecordedSlot = time.Second

// slotUnrecorded says a Job that a CronJob created for a scheduled slot must
// not be deleted yet: its CronJob's status.lastScheduleTime does not cover
// the slot. The Job is then the only durable trace that the slot ran; were
// it deleted and the server killed before that status write, the
// controller would find neither after a restart and run the slot again.
// (Kubernetes has this window with ttlSecondsAfterFinished: 0; ordo
// promises each slot runs exactly once.)
//
// cj is the CronJob the Job names as its controller, or nil when there is
// none. Manual runs (`kubectl create job --from=cronjob/…`) carry no slot
// and never wait; nor do Jobs of a CronJob that is gone or was replaced.
func slotUnrecorded(job *batchv1.Job, cj *batchv1.CronJob) bool {
	ref := metav1.GetControllerOf(job)
	if ref == nil || ref.Kind != "CronJob" || cj == nil || cj.UID != ref.UID {
		return false
	}
	v, ok := job.Annotations[batchv1.CronJobScheduledTimestampAnnotation]
	if !ok {
		return false
	}
	slot, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return false
	}
	last := cj.Status.LastScheduleTime
	return last == nil || last.Time.Before(slot)
}
