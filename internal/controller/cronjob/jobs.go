package cronjob

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var cronJobKind = batchv1.SchemeGroupVersion.WithKind("CronJob")

// jobName is the deterministic name of the Job for one slot: Kubernetes'
// "<cronjob>-<unix minutes>", or unix seconds for sub-minute schedules. The
// name is what makes a create idempotent: a second attempt for the same
// slot, after a crash or by a second controller, gets AlreadyExists.
func jobName(cronJob string, slot time.Time, subMinute bool) string {
	if subMinute {
		return fmt.Sprintf("%s-%d", cronJob, slot.Unix())
	}
	return fmt.Sprintf("%s-%d", cronJob, slot.Unix()/60)
}

// newJob builds the Job for slot from the CronJob's template, as
// Kubernetes does: the template's labels and annotations, the scheduled
// time (in the CronJob's zone) as an annotation, and the CronJob as
// controller owner so deleting it cascades.
func newJob(cj *batchv1.CronJob, slot time.Time, loc *time.Location, subMinute bool) *batchv1.Job {
	annotations := map[string]string{}
	for k, v := range cj.Spec.JobTemplate.Annotations {
		annotations[k] = v
	}
	annotations[batchv1.CronJobScheduledTimestampAnnotation] = slot.In(loc).Format(time.RFC3339)
	labels := map[string]string{}
	for k, v := range cj.Spec.JobTemplate.Labels {
		labels[k] = v
	}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:            jobName(cj.Name, slot, subMinute),
			Namespace:       cj.Namespace,
			Labels:          labels,
			Annotations:     annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, cronJobKind)},
		},
		Spec: *cj.Spec.JobTemplate.Spec.DeepCopy(),
	}
}

// scheduledTime reads the slot a Job was created for: the annotation, or
// for Jobs from older controllers the minutes in the name.
func scheduledTime(cj *batchv1.CronJob, j *batchv1.Job) (time.Time, bool) {
	if v, ok := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; ok {
		t, err := time.Parse(time.RFC3339, v)
		return t, err == nil
	}
	suffix, ok := strings.CutPrefix(j.Name, cj.Name+"-")
	if !ok {
		return time.Time{}, false
	}
	minutes, err := strconv.ParseInt(suffix, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(minutes*60, 0), true
}

// finished returns a Job's terminal condition type (Complete or Failed).
func finished(j *batchv1.Job) (batchv1.JobConditionType, bool) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type, true
		}
	}
	return "", false
}

// ownedBy reports whether cj is j's controller.
func ownedBy(j *batchv1.Job, cj *batchv1.CronJob) bool {
	ref := metav1.GetControllerOf(j)
	return ref != nil && ref.UID == cj.UID
}

// jobRef is the reference kept in status.active.
func jobRef(j *batchv1.Job) corev1.ObjectReference {
	return corev1.ObjectReference{
		Kind:            "Job",
		APIVersion:      batchv1.SchemeGroupVersion.String(),
		Namespace:       j.Namespace,
		Name:            j.Name,
		UID:             j.UID,
		ResourceVersion: j.ResourceVersion,
	}
}
