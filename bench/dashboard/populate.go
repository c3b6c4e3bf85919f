package main

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// populate creates the CronJobs (a yearly schedule, so none fires during
// the run), their Jobs (suspended, with the slot annotation, owned by
// them) and a run record for each, with 20 writers.
func populate(ctx context.Context, cs kubernetes.Interface, o options) error {
	uids := make([]metav1.OwnerReference, o.cronJobs)
	if _, err := benchutil.RunWorkers(ctx, o.cronJobs, 20, func(ctx context.Context, i int) error {
		cj, err := cs.BatchV1().CronJobs("default").Create(ctx, cronJob(i), metav1.CreateOptions{})
		if err != nil {
			return err
		}
		uids[i] = *metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))
		_, err = cs.CoreV1().ConfigMaps("default").Create(ctx, record(cj, o.runs), metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) { // the controller wrote it first
			err = nil
		}
		return err
	}); err != nil {
		return fmt.Errorf("create CronJobs: %w", err)
	}
	_, err := benchutil.RunWorkers(ctx, o.jobs, 20, func(ctx context.Context, i int) error {
		owner := uids[i%o.cronJobs]
		_, err := cs.BatchV1().Jobs("default").Create(ctx, job(owner, i/o.cronJobs), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("create Jobs: %w", err)
	}
	return nil
}

// base is the slots' anchor: an hour ago, so the runs fall in the last day.
var base = time.Now().Add(-time.Hour).Truncate(time.Minute)

func cronJob(i int) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cj-%04d", i), Labels: map[string]string{"team": fmt.Sprintf("t%d", i%10)}},
		Spec: batchv1.CronJobSpec{
			Schedule:                   "0 0 1 1 *",
			SuccessfulJobsHistoryLimit: ptr.To(int32(100)),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"true"}}},
			}}}},
		},
	}
}

// job is the n-th Job of a CronJob, for the slot n minutes after base.
func job(owner metav1.OwnerReference, n int) *batchv1.Job {
	slot := base.Add(time.Duration(n) * time.Minute)
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:            fmt.Sprintf("%s-%d", owner.Name, slot.Unix()/60),
			Annotations:     map[string]string{batchv1.CronJobScheduledTimestampAnnotation: slot.Format(time.RFC3339)},
			OwnerReferences: []metav1.OwnerReference{owner},
		},
		Spec: batchv1.JobSpec{
			Suspend: ptr.To(true),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"true"}}},
			}},
		},
	}
}

// record is a run record of n slots a minute apart before base, one in
// ten missed, the others succeeded with a lag of a few milliseconds.
func record(cj *batchv1.CronJob, n int) *corev1.ConfigMap {
	var runs []runrecord.Run
	for i := n; i > 0; i-- {
		slot := base.Add(-time.Duration(i) * time.Minute)
		if i%10 == 0 {
			runs = append(runs, runrecord.Run{Slot: slot, Outcome: runrecord.Missed, Reason: runrecord.ReasonForbid})
			continue
		}
		started, finished := slot.Add(time.Duration(3+i%5)*time.Millisecond), slot.Add(2*time.Second)
		runs = append(runs, runrecord.Run{Slot: slot, Started: &started, Finished: &finished, Outcome: runrecord.Succeeded,
			Job: fmt.Sprintf("%s-%d", cj.Name, slot.Unix()/60), Pod: fmt.Sprintf("%s-%d-abcde", cj.Name, slot.Unix()/60), ExitCode: ptr.To(int32(0))})
	}
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name: runrecord.ObjectName(cj.Name), Labels: map[string]string{runrecord.Label: cj.Name},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))},
		},
		Data: map[string]string{runrecord.DataKey: runrecord.Encode(runs)},
	}
}
