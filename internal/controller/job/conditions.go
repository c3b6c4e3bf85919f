package job

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition reasons and messages, as Kubernetes writes them: users and
// tools match on them.
const (
	msgBackoffLimit      = "Job has reached the specified backoff limit"
	msgDeadline          = "Job was active longer than specified deadline"
	msgMaxFailedIndexes  = "Job has exceeded the specified maximal number of failed indexes"
	msgFailedIndexes     = "Job has failed indexes"
	msgCompletions       = "Reached expected number of succeeded pods"
	reasonJobSuspended   = "JobSuspended"
	reasonJobResumed     = "JobResumed"
	msgJobSuspended      = "Job suspended"
	msgJobResumed        = "Job resumed"
	managedByJobControlr = "kubernetes.io/job-controller"
)

func findCondition(conds []batchv1.JobCondition, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

func conditionTrue(conds []batchv1.JobCondition, t batchv1.JobConditionType) bool {
	c := findCondition(conds, t)
	return c != nil && c.Status == corev1.ConditionTrue
}

// isFinished: the Job has its terminal condition, Complete or Failed. No
// sync changes it afterwards.
func isFinished(job *batchv1.Job) bool {
	return conditionTrue(job.Status.Conditions, batchv1.JobComplete) || conditionTrue(job.Status.Conditions, batchv1.JobFailed)
}

func newCondition(t batchv1.JobConditionType, reason, message string, now time.Time) *batchv1.JobCondition {
	ts := metav1.NewTime(now)
	return &batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: message,
		LastProbeTime: ts, LastTransitionTime: ts}
}

// setCondition makes the condition of c's type have c's status, reason and
// message, and reports whether anything changed. A False condition that is
// absent stays absent: a Job never suspended has no Suspended condition.
func setCondition(conds []batchv1.JobCondition, c batchv1.JobCondition) ([]batchv1.JobCondition, bool) {
	if cur := findCondition(conds, c.Type); cur != nil {
		if cur.Status == c.Status && cur.Reason == c.Reason && cur.Message == c.Message {
			return conds, false
		}
		*cur = c
		return conds, true
	}
	if c.Status == corev1.ConditionFalse {
		return conds, false
	}
	return append(conds, c), true
}

// suspendCondition is the Suspended condition for the Job's spec.suspend.
func suspendCondition(suspend bool, now time.Time) batchv1.JobCondition {
	if suspend {
		return *newCondition(batchv1.JobSuspended, reasonJobSuspended, msgJobSuspended, now)
	}
	c := newCondition(batchv1.JobSuspended, reasonJobResumed, msgJobResumed, now)
	c.Status = corev1.ConditionFalse
	return *c
}

// terminalFor turns an interim condition into the terminal one it leads to:
// FailureTarget → Failed, SuccessCriteriaMet → Complete, same reason and
// message.
func terminalFor(c *batchv1.JobCondition, now time.Time) *batchv1.JobCondition {
	t := batchv1.JobFailed
	if c.Type == batchv1.JobSuccessCriteriaMet || c.Type == batchv1.JobComplete {
		t = batchv1.JobComplete
	}
	return newCondition(t, c.Reason, c.Message, now)
}

func isSuspended(job *batchv1.Job) bool { return job.Spec.Suspend != nil && *job.Spec.Suspend }

func isIndexed(job *batchv1.Job) bool {
	return job.Spec.CompletionMode != nil && *job.Spec.CompletionMode == batchv1.IndexedCompletion
}

func hasBackoffLimitPerIndex(job *batchv1.Job) bool {
	return isIndexed(job) && job.Spec.BackoffLimitPerIndex != nil
}

// managedElsewhere: spec.managedBy names another controller, which then
// owns the Job's pods and status.
func managedElsewhere(job *batchv1.Job) bool {
	return job.Spec.ManagedBy != nil && *job.Spec.ManagedBy != managedByJobControlr
}

func completionMode(job *batchv1.Job) string {
	if isIndexed(job) {
		return string(batchv1.IndexedCompletion)
	}
	return string(batchv1.NonIndexedCompletion)
}
