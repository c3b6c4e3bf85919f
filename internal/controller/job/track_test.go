package job

import (
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func uncounted(succeeded, failed []types.UID) jobOpt {
	return status(func(s *batchv1.JobStatus) {
		s.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{Succeeded: succeeded, Failed: failed}
	})
}

func uids(ids ...string) []types.UID {
	var out []types.UID
	for _, id := range ids {
		out = append(out, types.UID(id))
	}
	return out
}

// TestUncountedProtocol follows finished pods through the two steps that
// make counting safe across restarts: UID into uncountedTerminatedPods
// (finalizer removed only after that write), then into the counters once
// the finalizer is gone.
func TestUncountedProtocol(t *testing.T) {
	job := testJob(parallelism(2), withCompletions(3))

	// Step 1: a finished pod is recorded, not yet counted.
	o := decideFor(job, pods(testPod("a", succeeded), testPod("b", failed), testPod("c")), now(at(time.Hour)))
	u := o.status.UncountedTerminatedPods
	if !slices.Equal(u.Succeeded, uids("uid-a")) || !slices.Equal(u.Failed, uids("uid-b")) || o.status.Succeeded != 0 || o.status.Failed != 0 {
		t.Fatalf("step 1 status %+v", o.status)
	}
	if got := names(o.plan.removeFinalizers); !slices.Equal(got, []string{"a", "b"}) || !o.plan.write {
		t.Fatalf("step 1 removes %v (write %v)", got, o.plan.write)
	}

	// Step 2: the finalizer of a is gone (cache shows it), b's removal is
	// known to this process only; both move to the counters.
	job2 := job.DeepCopy()
	job2.Status = o.status
	o = decideFor(job2, pods(testPod("a", succeeded, untracked), testPod("b", failed), testPod("c")),
		now(at(time.Hour)), removedFinalizer("uid-b"))
	u = o.status.UncountedTerminatedPods
	if len(u.Succeeded)+len(u.Failed) != 0 || o.status.Succeeded != 1 || o.status.Failed != 1 || len(o.plan.removeFinalizers) != 0 {
		t.Fatalf("step 2 status %+v, removes %v", o.status, names(o.plan.removeFinalizers))
	}

	// A pod still holding the finalizer stays uncounted and its removal is
	// retried, without being recorded twice.
	o = decideFor(job2, pods(testPod("a", succeeded), testPod("b", failed), testPod("c")), now(at(time.Hour)))
	u = o.status.UncountedTerminatedPods
	if !slices.Equal(u.Succeeded, uids("uid-a")) || !slices.Equal(u.Failed, uids("uid-b")) || o.plan.write ||
		!slices.Equal(names(o.plan.removeFinalizers), []string{"a", "b"}) {
		t.Fatalf("retry: status %+v, write %v, removes %v", o.status, o.plan.write, names(o.plan.removeFinalizers))
	}
}

func TestCompletionByCount(t *testing.T) {
	job := testJob(parallelism(2), withCompletions(2), status(func(s *batchv1.JobStatus) { s.Succeeded = 1 }))
	o := decideFor(job, pods(testPod("a", succeeded, untracked), testPod("b", succeeded)))
	scm := cond(o.status, batchv1.JobSuccessCriteriaMet)
	if scm == nil || scm.Reason != "CompletionsReached" || scm.Message != "Reached expected number of succeeded pods" {
		t.Fatalf("SuccessCriteriaMet = %+v", scm)
	}
	if cond(o.status, batchv1.JobComplete) != nil || o.plan.finished != nil || o.status.CompletionTime != nil {
		t.Fatal("Complete before the last pod's finalizer is gone")
	}
	job.Status = o.status
	o = decideFor(job, pods(testPod("a", succeeded, untracked), testPod("b", succeeded, untracked)), now(at(time.Second)))
	c := cond(o.status, batchv1.JobComplete)
	if c == nil || c.Reason != "CompletionsReached" || o.status.Succeeded != 2 || o.plan.finished == nil || *o.plan.finished != *c ||
		o.status.CompletionTime == nil || !o.status.CompletionTime.Time.Equal(at(time.Second)) {
		t.Fatalf("status %+v, finished %+v", o.status, o.plan.finished)
	}
}

func TestIndexedCompletion(t *testing.T) {
	job := testJob(indexed, parallelism(2), withCompletions(3), status(func(s *batchv1.JobStatus) {
		s.CompletedIndexes, s.Succeeded = "1", 1
	}))
	o := decideFor(job, pods(testPod("a", index(0), succeeded), testPod("b", index(1), succeeded, untracked), testPod("c", index(2), succeeded)))
	if o.status.CompletedIndexes != "0-2" || o.status.Succeeded != 3 || len(o.status.UncountedTerminatedPods.Succeeded) != 0 {
		t.Fatalf("status %+v", o.status)
	}
	if cond(o.status, batchv1.JobSuccessCriteriaMet) == nil || cond(o.status, batchv1.JobComplete) != nil {
		t.Fatalf("conditions %+v: Complete must wait for the finalizers", o.status.Conditions)
	}
	if got := names(o.plan.removeFinalizers); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("removes %v", got)
	}
	job.Status = o.status
	o = decideFor(job, pods(testPod("a", index(0), succeeded, untracked), testPod("b", index(1), succeeded, untracked),
		testPod("c", index(2), succeeded)), removedFinalizer("uid-c"))
	if cond(o.status, batchv1.JobComplete) == nil || o.plan.finished == nil {
		t.Fatalf("conditions %+v", o.status.Conditions)
	}
}

func TestWorkQueueCompletesWhenOneSucceededAndNoneRuns(t *testing.T) {
	job := testJob(noCompletions, parallelism(3))
	o := decideFor(job, pods(testPod("a", succeeded, untracked), testPod("b")), removedFinalizer())
	if cond(o.status, batchv1.JobSuccessCriteriaMet) != nil {
		t.Fatal("success while a pod still runs")
	}
	o = decideFor(job, pods(testPod("a", succeeded), testPod("b", failed)))
	if cond(o.status, batchv1.JobSuccessCriteriaMet) == nil {
		t.Fatalf("conditions %+v", o.status.Conditions)
	}
}

func TestReadyAndTerminatingCounts(t *testing.T) {
	o := decideFor(testJob(parallelism(4), withCompletions(9)),
		pods(testPod("a", ready), testPod("b"), testPod("d", deleting), testPod("e", failed, deleting)), now(at(time.Hour)))
	st := o.status
	// a, b active; d terminating (counted as failed: replaced at once);
	// one new pod for d, one for e.
	if st.Active != 4 || ptr.Deref(st.Ready, -1) != 1 || ptr.Deref(st.Terminating, -1) != 1 || o.actions.create != 2 {
		t.Errorf("active %d ready %v terminating %v create %d", st.Active, ptr.Deref(st.Ready, -1), ptr.Deref(st.Terminating, -1), o.actions.create)
	}
}

func TestNoWriteWithoutChange(t *testing.T) {
	job := testJob(parallelism(1), withCompletions(2), status(func(s *batchv1.JobStatus) {
		s.Active, s.Ready, s.Terminating = 1, ptr.To[int32](0), ptr.To[int32](0)
		s.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}))
	if o := decideFor(job, pods(testPod("a"))); o.plan.write || len(o.plan.removeFinalizers) != 0 {
		t.Errorf("write %v, removes %v: nothing changed", o.plan.write, names(o.plan.removeFinalizers))
	}
}

func TestUncountedIsCapped(t *testing.T) {
	var ps []*corev1.Pod
	for i := 0; i < maxUncounted+20; i++ {
		ps = append(ps, testPod("p"+string(rune('a'+i%26))+string(rune('a'+i/26)), succeeded))
	}
	o := decideFor(testJob(parallelism(1), withCompletions(1000)), ps)
	if n := len(o.status.UncountedTerminatedPods.Succeeded); n != maxUncounted || len(o.plan.removeFinalizers) != maxUncounted {
		t.Errorf("%d uncounted, %d removals; want %d", n, len(o.plan.removeFinalizers), maxUncounted)
	}
}
