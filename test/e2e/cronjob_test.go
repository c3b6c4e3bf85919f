package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// helloCronJob is seed 004's cj-hello with its two typos fixed (the seed's
// failedJobHistoryLimit and imagePullPolicy IfNotP-resent, which a real
// cluster rejects too; see seeds_test.go) and a seconds schedule, ordo's
// extension, so the test does not wait for whole minutes.
const helloCronJob = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: cj-hello
spec:
  schedule: "*/2 * * * * *"
  concurrencyPolicy: Allow
  suspend: false
  successfulJobsHistoryLimit: 2
  failedJobsHistoryLimit: 3
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: hello
            image: busybox
            imagePullPolicy: IfNotPresent
            command:
            - /bin/sh
            - -c
            - date; echo Hello from the Kubernetes cluster
`

// TestCronJobRunsPodsOnSchedule drives a seconds-schedule CronJob with the
// real kubectl: its Jobs run real pods, finished Jobs beyond the history
// limit are deleted, kubectl shows Kubernetes' columns, a manual run from
// the CronJob starts at once, suspend stops new runs, and deleting the
// CronJob removes its Jobs and pods.
// Not parallel: it reads a finished Job's logs and allows 500 ms for an in-flight sync after suspending an every-2-seconds CronJob, margins the load of tests beside it broke.
func TestCronJobRunsPodsOnSchedule(t *testing.T) {
	c, cs, _ := startWithAgent(t)
	c.RunIn(helloCronJob, "apply", "-f", "-")

	// Runs complete and history stays at the limit.
	waitFor(t, func() bool {
		evs := cronJobEvents(t, cs, "cj-hello")
		return countPrefix(evs, "Normal SawCompletedJob") >= 3 && countPrefix(evs, "Normal SuccessfulDelete") >= 1
	}, "three runs complete and the oldest is pruned")
	cj, err := cs.BatchV1().CronJobs("default").Get(context.Background(), "cj-hello", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cj.Status.LastScheduleTime == nil || cj.Status.LastSuccessfulTime == nil {
		t.Fatalf("status = %+v", cj.Status)
	}
	assertColumns(t, firstLine(c.Run("get", "cronjob", "cj-hello")), []string{"NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"})
	assertColumns(t, firstLine(c.Run("get", "jobs")), []string{"NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"})
	if done := completedJobs(t, cs); len(done) > 2+1 { // the limit, plus one finishing meanwhile
		t.Fatalf("%d completed Jobs kept, limit 2: %v", len(done), done)
	}
	// The newest completed Job: the oldest may be pruned (history limit 2,
	// a run every 2 s) between this list and the logs request.
	// Their names end in the slot's time, all of one length: the greatest
	// is the newest.
	done := completedJobs(t, cs)
	slices.Sort(done)
	if out := c.Run("logs", "job/"+done[len(done)-1]); !strings.Contains(out, "Hello from the Kubernetes cluster") {
		t.Fatalf("logs = %q", out)
	}

	// Suspend: no Job is created after the CronJob is suspended.
	c.Run("patch", "cronjob", "cj-hello", "-p", `{"spec":{"suspend":true}}`)
	time.Sleep(500 * time.Millisecond) // let an in-flight sync finish
	before := jobNames(t, cs)
	time.Sleep(4 * time.Second) // two slots
	if after := jobNames(t, cs); len(newNames(before, after)) != 0 {
		t.Fatalf("suspended CronJob created %v", newNames(before, after))
	}

	// A manual run from the (suspended) CronJob starts at once.
	c.Run("create", "job", "hello-now", "--from=cronjob/cj-hello")
	j := waitJob(t, cs, "hello-now", batchv1.JobComplete)
	if j.Annotations["cronjob.kubernetes.io/instantiate"] != "manual" || metav1.GetControllerOf(j) == nil {
		t.Fatalf("manual job meta = %v %v", j.Annotations, j.OwnerReferences)
	}

	// Deleting the CronJob cascades to its Jobs and their pods.
	c.Run("delete", "cronjob", "cj-hello")
	waitFor(t, func() bool { return len(jobNames(t, cs)) == 0 && len(podNames(t, cs)) == 0 }, "Jobs and pods of the deleted CronJob are gone")
}

// cronJobEvents lists "Type Reason Message" of a CronJob's events.
func cronJobEvents(t *testing.T, cs kubernetes.Interface, name string) []string {
	t.Helper()
	evs, err := cs.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{
		FieldSelector: "involvedObject.kind=CronJob,involvedObject.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs.Items {
		for i := int32(0); i < max(e.Count, 1); i++ {
			out = append(out, e.Type+" "+e.Reason+" "+e.Message)
		}
	}
	return out
}

func jobNames(t *testing.T, cs kubernetes.Interface) []string {
	return jobNamesWhere(t, cs, func(*batchv1.Job) bool { return true })
}

func completedJobs(t *testing.T, cs kubernetes.Interface) []string {
	return jobNamesWhere(t, cs, func(j *batchv1.Job) bool {
		c := jobCondition(j, batchv1.JobComplete)
		return c != nil && c.Status == corev1.ConditionTrue
	})
}

// jobNamesWhere lists the names of default's Jobs that keep says to.
func jobNamesWhere(t *testing.T, cs kubernetes.Interface, keep func(*batchv1.Job) bool) []string {
	t.Helper()
	jobs, err := cs.BatchV1().Jobs("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range jobs.Items {
		if keep(&jobs.Items[i]) {
			out = append(out, jobs.Items[i].Name)
		}
	}
	return out
}

func podNames(t *testing.T, cs kubernetes.Interface) []string {
	t.Helper()
	pods, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range pods.Items {
		out = append(out, p.Name)
	}
	return out
}

func newNames(before, after []string) []string {
	seen := map[string]bool{}
	for _, n := range before {
		seen[n] = true
	}
	var out []string
	for _, n := range after {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return out
}
