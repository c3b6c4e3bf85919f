package job

import (
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// TestFailureCriteria: which condition ends a Job, with Kubernetes'
// reasons and messages, written first as FailureTarget.
func TestFailureCriteria(t *testing.T) {
	failJob := batchv1.PodFailurePolicyActionFailJob
	policy := func(rules ...batchv1.PodFailurePolicyRule) jobOpt {
		return func(j *batchv1.Job) {
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: rules}
			j.Spec.PodReplacementPolicy = ptr.To(batchv1.Failed)
		}
	}
	onFailure := func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure }
	cases := []struct {
		name     string
		job      *batchv1.Job
		pods     []*corev1.Pod
		now      time.Time
		reason   string // "" for no failure
		message  string
		deadline time.Duration
	}{
		{"failures up to backoffLimit are tolerated", testJob(backoffLimitOf(1), parallelism(2), withCompletions(3)),
			pods(testPod("f", failed), testPod("a")), anchor, "", "", 0},
		{"one more fails the Job", testJob(backoffLimitOf(1), parallelism(2), withCompletions(3), status(func(s *batchv1.JobStatus) { s.Failed = 1 })),
			pods(testPod("f", failed), testPod("a")), anchor, "BackoffLimitExceeded", "Job has reached the specified backoff limit", 0},
		{"backoffLimit 0: the first failure", testJob(backoffLimitOf(0)), pods(testPod("f", failed)), anchor,
			"BackoffLimitExceeded", "Job has reached the specified backoff limit", 0},
		{"OnFailure: container restarts count", testJob(onFailure, backoffLimitOf(2)), pods(testPod("r", restarted(2))), anchor,
			"BackoffLimitExceeded", "Job has reached the specified backoff limit", 0},
		{"OnFailure: fewer restarts", testJob(onFailure, backoffLimitOf(2)), pods(testPod("r", restarted(1))), anchor, "", "", 0},
		{"before the deadline, look again at it", testJob(deadline(30)), pods(testPod("a")), at(10 * time.Second), "", "", 20 * time.Second},
		{"at the deadline", testJob(deadline(30)), pods(testPod("a")), at(30 * time.Second),
			"DeadlineExceeded", "Job was active longer than specified deadline", 0},
		{"suspended Jobs have no deadline", testJob(deadline(30), suspended), nil, at(time.Hour), "", "", 0},
		{"FailJob rule", testJob(policy(exitRule(failJob, batchv1.PodFailurePolicyOnExitCodesOpIn, nil, 42))),
			pods(testPod("p", exited(42, anchor))), anchor,
			"PodFailurePolicy", "Container c for pod default/p failed with exit code 42 matching FailJob rule at index 0", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := decideFor(c.job, c.pods, now(c.now))
			ft := cond(o.status, batchv1.JobFailureTarget)
			switch {
			case c.reason == "" && ft != nil:
				t.Fatalf("failed: %+v", ft)
			case c.reason != "" && (ft == nil || ft.Reason != c.reason || ft.Message != c.message || !o.actions.finishing):
				t.Fatalf("FailureTarget = %+v, finishing %v", ft, o.actions.finishing)
			}
			if got := ptr.Deref(o.s.deadlineIn, 0); got != c.deadline {
				t.Errorf("deadline in %v, want %v", got, c.deadline)
			}
		})
	}
}

// TestFailingJobDeletesPodsThenFails: FailureTarget, pods deleted and
// counted as failed, and Failed only once none is left terminating.
func TestFailingJobDeletesPodsThenFails(t *testing.T) {
	job := testJob(backoffLimitOf(0), parallelism(3), withCompletions(3))
	o := decideFor(job, pods(testPod("f", failed), testPod("a", ready), testPod("b"), testPod("s", succeeded)))
	if got := names(o.actions.deletes); !o.actions.finishing || !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("deletes %v (finishing %v)", got, o.actions.finishing)
	}
	st := o.status
	if st.Active != 0 || *st.Terminating != 2 || *st.Ready != 0 || cond(st, batchv1.JobFailed) != nil {
		t.Fatalf("status %+v", st)
	}
	if u := st.UncountedTerminatedPods; !slices.Equal(u.Failed, uids("uid-f", "uid-a", "uid-b")) || !slices.Equal(u.Succeeded, uids("uid-s")) {
		t.Fatalf("uncounted %+v: running pods of a failing Job count as failed", u)
	}

	// The pods are gone: the counters are final and Failed is written.
	job.Status = st
	o = decideFor(job, pods(testPod("f", failed, untracked), testPod("s", succeeded, untracked)), now(at(time.Second)))
	f := cond(o.status, batchv1.JobFailed)
	if f == nil || f.Reason != "BackoffLimitExceeded" || o.status.Failed != 3 || o.status.Succeeded != 1 ||
		o.plan.finished == nil || o.status.CompletionTime != nil {
		t.Fatalf("status %+v", o.status)
	}
}

func TestFinishingWaitsForTheCache(t *testing.T) {
	o := decideFor(testJob(backoffLimitOf(0)), pods(testPod("f", failed)), unsatisfied)
	if cond(o.status, batchv1.JobFailureTarget) != nil {
		t.Error("FailureTarget written while pods this process created may be missing from the cache")
	}
}

func TestSuccessPolicyEndsTheJob(t *testing.T) {
	job := testJob(indexed, parallelism(5), withCompletions(5), func(j *batchv1.Job) {
		j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{{SucceededCount: ptr.To[int32](2)}}}
	})
	o := decideFor(job, pods(testPod("a", index(0), succeeded), testPod("b", index(3), succeeded), testPod("c", index(1), ready)))
	c := cond(o.status, batchv1.JobSuccessCriteriaMet)
	if c == nil || c.Reason != "SuccessPolicy" || c.Message != "Matched rules at index 0" {
		t.Fatalf("SuccessCriteriaMet = %+v", c)
	}
	if !o.actions.finishing || !slices.Equal(names(o.actions.deletes), []string{"c"}) {
		t.Fatalf("lingering pods must go: %v", names(o.actions.deletes))
	}
	if len(o.status.UncountedTerminatedPods.Failed) != 0 {
		t.Fatalf("a pod removed after success counts as failed: %+v", o.status.UncountedTerminatedPods)
	}
	job.Status = o.status
	o = decideFor(job, pods(testPod("a", index(0), succeeded, untracked), testPod("b", index(3), succeeded, untracked)))
	if c := cond(o.status, batchv1.JobComplete); c == nil || c.Reason != "SuccessPolicy" || o.status.CompletedIndexes != "0,3" {
		t.Fatalf("status %+v", o.status)
	}
}

func TestSuspendAndResume(t *testing.T) {
	o := decideFor(testJob(suspended, parallelism(2), withCompletions(4)), pods(testPod("a", ready), testPod("b")))
	c := cond(o.status, batchv1.JobSuspended)
	if c == nil || c.Status != corev1.ConditionTrue || c.Reason != "JobSuspended" || c.Message != "Job suspended" ||
		o.plan.event != "Suspended" || o.status.Active != 0 || *o.status.Terminating != 2 || o.status.StartTime != nil {
		t.Fatalf("suspend: %+v, event %q", o.status, o.plan.event)
	}
	if len(o.status.UncountedTerminatedPods.Failed) != 0 {
		t.Fatal("pods deleted by suspension count as failures")
	}
	resumed := testJob(parallelism(2), withCompletions(4))
	resumed.Status = o.status
	o = decideFor(resumed, nil, now(at(time.Hour)))
	c = cond(o.status, batchv1.JobSuspended)
	if c == nil || c.Status != corev1.ConditionFalse || c.Reason != "JobResumed" || c.Message != "Job resumed" ||
		o.plan.event != "Resumed" || !o.status.StartTime.Time.Equal(at(time.Hour)) || o.actions.create != 2 {
		t.Fatalf("resume: %+v, event %q, create %d", o.status, o.plan.event, o.actions.create)
	}
	if o := decideFor(testJob(), nil); cond(o.status, batchv1.JobSuspended) != nil || o.plan.event != "" {
		t.Error("a Job never suspended has a Suspended condition")
	}
	if o := decideFor(testJob(suspended, notStarted), nil); o.status.StartTime != nil {
		t.Error("a Job created suspended has a startTime")
	}
	if o := decideFor(testJob(notStarted), nil); o.status.StartTime == nil || !o.status.StartTime.Time.Equal(anchor) {
		t.Error("startTime not set on the first sync")
	}
}

func TestExistingInterimConditionsLeadToTerminal(t *testing.T) {
	o := decideFor(testJob(withCondition(batchv1.JobFailureTarget, "DeadlineExceeded")), nil)
	if f := cond(o.status, batchv1.JobFailed); f == nil || f.Reason != "DeadlineExceeded" || o.plan.finished == nil {
		t.Errorf("conditions %+v", o.status.Conditions)
	}
	o = decideFor(testJob(withCondition(batchv1.JobSuccessCriteriaMet, "SuccessPolicy")), pods(testPod("x", succeeded)))
	if cond(o.status, batchv1.JobComplete) != nil || len(o.plan.removeFinalizers) != 1 || len(o.status.UncountedTerminatedPods.Failed) != 0 {
		t.Errorf("Complete must wait for x's finalizer: %+v", o.status)
	}
	if n := len(o.status.Conditions); n != 1 {
		t.Errorf("SuccessCriteriaMet written twice: %+v", o.status.Conditions)
	}
}
