package main

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// fillWorkers create the objects concurrently, as several clients would.
const fillWorkers = 8

func nsOf(o options, i int) string { return fmt.Sprintf("bench-%d", i%o.namespaces) }
func cjName(i int) string          { return fmt.Sprintf("cj-%04d", i) }

// fill creates the namespaces, the CronJobs with their run records, and
// their Jobs.
func fill(ctx context.Context, o options, cs kubernetes.Interface, res *result) error {
	for i := range o.namespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nsOf(o, i)}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	now := time.Now()
	t, err := benchutil.RunWorkers(ctx, o.cronJobs, fillWorkers, func(ctx context.Context, i int) error {
		cj, err := cs.BatchV1().CronJobs(nsOf(o, i)).Create(ctx, cronJob(cjName(i)), metav1.CreateOptions{})
		if err != nil {
			return err
		}
		_, err = cs.CoreV1().ConfigMaps(cj.Namespace).Create(ctx, record(cj, o.runs, now), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return err
	}
	benchutil.Progress("created %d CronJobs and their run records in %s", o.cronJobs, t.Wall.Round(time.Millisecond))
	cjs := map[string]*batchv1.CronJob{}
	for i := range o.namespaces {
		list, err := cs.BatchV1().CronJobs(nsOf(o, i)).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for j := range list.Items {
			cjs[list.Items[j].Namespace+"/"+list.Items[j].Name] = &list.Items[j]
		}
	}
	n := o.cronJobs * o.jobsPer
	t, err = benchutil.RunWorkers(ctx, n, fillWorkers, func(ctx context.Context, k int) error {
		i := k / o.jobsPer
		cj := cjs[nsOf(o, i)+"/"+cjName(i)]
		slot := now.Add(-time.Duration(k%o.jobsPer+1) * 5 * time.Minute).Truncate(5 * time.Minute)
		_, err := cs.BatchV1().Jobs(cj.Namespace).Create(ctx, job(cj, slot), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return err
	}
	benchutil.Progress("created %d Jobs in %s", n, t.Wall.Round(time.Millisecond))
	res.Objects = objects{CronJobs: o.cronJobs, Jobs: n, Records: o.cronJobs}
	return nil
}

func cronJob(name string) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec: batchv1.CronJobSpec{Schedule: "*/5 * * * *", Suspend: ptr.To(true),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"/bin/true"}}},
			}}}}},
	}
}

// record is a day of 5-minute slots: one in 50 missed (Forbid), one in
// 20 failed, the rest succeeded with a lag of some milliseconds.
func record(cj *batchv1.CronJob, n int, now time.Time) *corev1.ConfigMap {
	runs := make([]runrecord.Run, 0, n)
	first := now.Truncate(5 * time.Minute).Add(-time.Duration(n) * 5 * time.Minute)
	for k := range n {
		slot := first.Add(time.Duration(k) * 5 * time.Minute)
		r := runrecord.Run{Slot: slot, Job: fmt.Sprintf("%s-%d", cj.Name, slot.Unix()/60), Outcome: runrecord.Succeeded}
		if k%50 == 7 {
			runs = append(runs, runrecord.Run{Slot: slot, Outcome: runrecord.Missed, Reason: runrecord.ReasonForbid})
			continue
		}
		started := slot.Add(time.Duration(3+k%40) * time.Millisecond)
		finished := started.Add(2 * time.Second)
		r.Started, r.Finished, r.Pod, r.ExitCode = &started, &finished, r.Job+"-abcde", ptr.To(int32(0))
		if k%20 == 3 {
			r.Outcome, r.ExitCode = runrecord.Failed, ptr.To(int32(1))
		}
		runs = append(runs, r)
	}
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: runrecord.ObjectName(cj.Name), Labels: map[string]string{runrecord.Label: cj.Name},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))}},
		Data: map[string]string{runrecord.DataKey: runrecord.Encode(runs)},
	}
}

// job is a suspended Job of cj's slot, as the controller names and marks
// it, so that nothing runs.
func job(cj *batchv1.CronJob, slot time.Time) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", cj.Name, slot.Unix()/60),
			Annotations:     map[string]string{batchv1.CronJobScheduledTimestampAnnotation: slot.UTC().Format(time.RFC3339)},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))}},
		Spec: batchv1.JobSpec{Suspend: ptr.To(true), Template: cj.Spec.JobTemplate.Spec.Template},
	}
}
