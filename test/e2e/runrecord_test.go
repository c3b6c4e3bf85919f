package e2e

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/cron/cronstats"
	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// recordCronJobs are a seconds CronJob with Forbid whose runs (3 s, then
// exit 3) outlast its 2 s period, an every-second warm CronJob, and a
// warm one whose runs exit 5.
const recordCronJobs = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: slow
spec:
  schedule: "*/2 * * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      backoffLimit: 0
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: slow
            image: busybox
            command: [sh, -c, 'sleep 3; exit 3']
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: quick
  annotations: {ordo.dev/runner: warm}
spec:
  schedule: "* * * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: quick
            image: busybox
            command: [sh, -c, 'true']
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: flaky
  annotations: {ordo.dev/runner: warm}
spec:
  schedule: "*/2 * * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: flaky
            image: busybox
            command: [sh, -c, 'exit 5']
`

// TestCronJobRunRecord runs real pods and checks each CronJob's run
// record, read back as the dashboard reads it: the slot Forbid held back
// is missed with reason ConcurrencyPolicyForbid, the runs carry their lag,
// outcome, Job, pod and exit code, the warm CronJobs' runs are recorded
// from their runner Leases (successes, and failures with their exit
// code), every slot ran at most once, and the record is deleted with its
// CronJob.
func TestCronJobRunRecord(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(recordCronJobs, "apply", "-f", "-")
	ctx := context.Background()

	var slow []runrecord.Run
	waitLong(t, func() bool {
		slow = readRecord(t, cs, "slow")
		return countRuns(slow, func(r runrecord.Run) bool { return r.Outcome == runrecord.Missed && r.Reason == runrecord.ReasonForbid }) >= 1 &&
			countRuns(slow, func(r runrecord.Run) bool { return r.Outcome == runrecord.Failed && r.ExitCode != nil }) >= 2
	}, "the slow CronJob's record shows a slot missed for Forbid and two failed runs")
	for _, r := range slow {
		if r.Outcome != runrecord.Failed {
			continue
		}
		if r.Started == nil || r.Started.Before(r.Slot) || r.Job == "" || r.Pod == "" || *r.ExitCode != 3 || r.Finished == nil || r.Reason != "BackoffLimitExceeded" {
			t.Errorf("failed run recorded as %+v", r)
		}
		t.Logf("slot %s: lag %v, exit %d, pod %s", r.Slot.Format(time.TimeOnly), r.Started.Sub(r.Slot), *r.ExitCode, r.Pod)
	}

	var quick []runrecord.Run
	waitLong(t, func() bool {
		quick = readRecord(t, cs, "quick")
		return countRuns(quick, func(r runrecord.Run) bool { return r.Warm && r.Outcome == runrecord.Succeeded }) >= 3
	}, "the warm CronJob's record shows three succeeded runs")
	for _, r := range quick {
		if r.Job != "" || (r.Outcome != runrecord.Missed && !r.Warm) {
			t.Errorf("warm run recorded as %+v", r)
		}
	}
	waitLong(t, func() bool {
		return countRuns(readRecord(t, cs, "flaky"), func(r runrecord.Run) bool {
			return r.Warm && r.Outcome == runrecord.Failed && r.ExitCode != nil && *r.ExitCode == 5
		}) >= 2
	}, "the failing warm CronJob's record shows two runs failed with exit code 5")

	// The dashboard's reading: one run per slot, the Forbid miss in the
	// summary.
	cj, err := cs.BatchV1().CronJobs("default").Get(ctx, "slow", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := cs.BatchV1().Jobs("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := cronstats.Input{CronJob: cj, Jobs: ownedJobs(jobs.Items, cj), Runs: readRecord(t, cs, "slow"), Now: time.Now()}
	for _, s := range cronstats.Timeline(in, 0) {
		if s.Runs > 1 {
			t.Errorf("slot %s ran %d times", s.Slot, s.Runs)
		}
	}
	sum := cronstats.Summarize(in)
	if len(sum.Missed) == 0 || sum.Health != cronstats.Failing || sum.LagSamples == 0 || sum.Description != "every 2 seconds" {
		t.Errorf("summary: missed %d health %s lag samples %d description %q", len(sum.Missed), sum.Health, sum.LagSamples, sum.Description)
	}
	t.Logf("slow: lag p50 %v p99 %v over %d runs, %d missed", sum.LagP50, sum.LagP99, sum.LagSamples, len(sum.Missed))

	cm, err := cs.CoreV1().ConfigMaps("default").Get(ctx, runrecord.ObjectName("slow"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Labels[runrecord.Label] != "slow" || metav1.GetControllerOf(cm) == nil || metav1.GetControllerOf(cm).UID != cj.UID {
		t.Errorf("record metadata: labels %v owners %v", cm.Labels, cm.OwnerReferences)
	}
	c.Run("delete", "cronjob", "slow", "quick", "flaky")
	waitLong(t, func() bool {
		l, err := cs.CoreV1().ConfigMaps("default").List(ctx, metav1.ListOptions{LabelSelector: runrecord.Label})
		return err == nil && len(l.Items) == 0
	}, "the records go with their CronJobs")
}

// readRecord reads a CronJob's run record as the dashboard does.
func readRecord(t *testing.T, cs kubernetes.Interface, name string) []runrecord.Run {
	t.Helper()
	runs, err := runrecord.Read(context.Background(), cs, "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func countRuns(runs []runrecord.Run, keep func(runrecord.Run) bool) int {
	n := 0
	for _, r := range runs {
		if keep(r) {
			n++
		}
	}
	return n
}

func ownedJobs(jobs []batchv1.Job, cj *batchv1.CronJob) []batchv1.Job {
	var out []batchv1.Job
	for _, j := range jobs {
		if ref := metav1.GetControllerOf(&j); ref != nil && ref.UID == cj.UID {
			out = append(out, j)
		}
	}
	return out
}

// waitLong is waitFor with room for the record's batched writes (every
// 10 s) on a loaded machine.
func waitLong(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("timed out waiting: %s", what)
}
