package job

import (
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/utils/ptr"
)

const failCount = batchv1.JobIndexFailureCountAnnotation

func TestBackoffLimitPerIndex(t *testing.T) {
	// Index 0 failed a second time with limit 1: it has failed for good.
	job := testJob(indexed, perIndex(1), parallelism(3), withCompletions(3))
	o := decideFor(job, pods(testPod("f", index(0), annotated(failCount, "1"), exited(1, at(-time.Hour))), testPod("a", index(1))))
	if ptr.Deref(o.status.FailedIndexes, "?") != "0" || cond(o.status, batchv1.JobFailureTarget) != nil {
		t.Fatalf("status %+v", o.status)
	}
	if !slices.Equal(o.actions.indexes, []int{2}) {
		t.Errorf("indexes %v: a failed index is not retried", o.actions.indexes)
	}
	if !slices.Equal(names(o.plan.removeFinalizers), []string{"f"}) {
		t.Errorf("removes %v", names(o.plan.removeFinalizers))
	}

	// Once every index has succeeded or failed, the Job fails.
	job.Status = o.status
	o = decideFor(job, pods(testPod("f", index(0), failed, untracked), testPod("a", index(1), succeeded), testPod("b", index(2), succeeded)))
	if c := cond(o.status, batchv1.JobFailureTarget); c == nil || c.Reason != "FailedIndexes" || c.Message != "Job has failed indexes" {
		t.Fatalf("conditions %+v", o.status.Conditions)
	}

	// maxFailedIndexes 0: the first failed index fails the Job.
	job = testJob(indexed, perIndex(0), parallelism(3), withCompletions(3), func(j *batchv1.Job) { j.Spec.MaxFailedIndexes = ptr.To[int32](0) })
	o = decideFor(job, pods(testPod("f", index(2), failed), testPod("a", index(1))))
	if c := cond(o.status, batchv1.JobFailureTarget); c == nil || c.Reason != "MaxFailedIndexesExceeded" ||
		c.Message != "Job has exceeded the specified maximal number of failed indexes" {
		t.Fatalf("conditions %+v", o.status.Conditions)
	}
}

// TestPerIndexRetryInheritsCount: the failed pod keeps its finalizer until
// its replacement exists, which carries the index's failure count, after
// the index's own back-off.
func TestPerIndexRetryInheritsCount(t *testing.T) {
	job := testJob(indexed, perIndex(3), parallelism(2), withCompletions(2))
	f := testPod("f", index(0), annotated(failCount, "1"), exited(1, at(-5*time.Second)))
	o := decideFor(job, pods(f, testPod("a", index(1))))
	if len(o.plan.removeFinalizers) != 0 {
		t.Fatalf("removes %v before the replacement exists", names(o.plan.removeFinalizers))
	}
	// Second failure of the index: 20 s back-off, 5 s gone.
	if len(o.actions.indexes) != 0 || o.actions.retryAfter != 15*time.Second {
		t.Fatalf("indexes %v, retry %v", o.actions.indexes, o.actions.retryAfter)
	}
	o = decideFor(job, pods(f, testPod("a", index(1))), now(at(15*time.Second)))
	if !slices.Equal(o.actions.indexes, []int{0}) {
		t.Fatalf("indexes %v", o.actions.indexes)
	}
	pod := indexedPod(job, podTemplate(job), 0, o.s.waiting[0])
	if pod.Annotations[failCount] != "2" {
		t.Errorf("replacement annotations %v", pod.Annotations)
	}
	// With the replacement running, the failed pod may go.
	o = decideFor(job, pods(f, testPod("a", index(1)), testPod("r", index(0))))
	if !slices.Equal(names(o.plan.removeFinalizers), []string{"f"}) {
		t.Errorf("removes %v", names(o.plan.removeFinalizers))
	}
}

func TestFailIndexRule(t *testing.T) {
	job := testJob(indexed, perIndex(5), parallelism(2), withCompletions(2), func(j *batchv1.Job) {
		j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
			exitRule(batchv1.PodFailurePolicyActionFailIndex, batchv1.PodFailurePolicyOnExitCodesOpIn, nil, 7)}}
	})
	o := decideFor(job, pods(testPod("f", index(1), exited(7, anchor)), testPod("a", index(0))))
	if ptr.Deref(o.status.FailedIndexes, "?") != "1" {
		t.Errorf("failedIndexes %v: FailIndex fails the index at once", ptr.Deref(o.status.FailedIndexes, "<nil>"))
	}
}
