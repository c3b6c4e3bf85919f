// Package job runs batch/v1 Jobs' pods to completion, as Kubernetes' job
// controller does: the same pods, labels, finalizer, status fields,
// conditions, reasons, messages and events, so kubectl, client-go and
// users' alerting see a Kubernetes Job.
//
// One sync of a Job ("decide, then do", twice):
//
//	job/pod event ─► queue (ns/name; pod events batched 100 ms) ─► sync
//	sync:
//	  claimPods      cache + adopt/release                  (claim.go)
//	  assess         sort pods, count, criteria met?  pure   (assess.go)
//	  decidePods     create / delete / wait for back-off  pure (manage.go)
//	  applyPods      POST pods (slow start 1,2,4,…), DELETE (apply.go)
//	  decideStatus   status from the results           pure  (track.go)
//	  applyStatus    one UpdateStatus, then remove finalizers,
//	                 then events and metrics                 (status.go)
//
// Counting pods exactly once. Every pod is created with the finalizer
// batch.kubernetes.io/job-tracking, so it cannot disappear before it is
// counted. A finished pod moves through three states:
//
//	tracked (finalizer) ──status write──► UID in uncountedTerminatedPods
//	   ──finalizer removed──► next sync: UID leaves, succeeded/failed += 1
//
// (Indexed Jobs record a success by its index in completedIndexes
// instead.) A finalizer is only removed after the status that records the
// pod is written, and a UID only moves into the counters once its pod has
// lost the finalizer, so a controller that dies between any two steps
// neither loses nor double counts a pod. Each sync writes status once: the
// UIDs a sync records are counted by the next one, which the finalizer
// removals' pod events trigger.
//
// Ending a Job. Meeting a criterion writes an interim condition first
// (FailureTarget: backoffLimit, activeDeadlineSeconds, a FailJob rule,
// failed indexes; SuccessCriteriaMet: completions or successPolicy), deletes
// the remaining active pods, and only when no pod is uncounted, terminating
// or holding the finalizer writes the terminal Complete or Failed, with the
// same reason and message. A finished Job is never synced again; pods that
// still hold the finalizer then are released by the orphan queue.
//
// Stale caches. Expectations (expectations.go) record the pods this
// process created or deleted and whose finalizers it removed until the
// informer shows them, so a sync on a stale cache waits rather than
// creating a pod twice. writtenStatus (written.go) keeps the Job our last
// status write returned until the informer catches up, so pod events that
// overtake the Job's own update do not turn into write conflicts.
//
// Glossary:
//   - active: a pod neither Succeeded/Failed nor being deleted.
//   - terminating: a pod being deleted that has not finished.
//   - tracked: a pod that holds the finalizer and whose removal this process
//     has not already done.
//   - uncounted: in status.uncountedTerminatedPods, i.e. recorded but not
//     yet in status.succeeded/failed.
//   - finishing: the Job met a criterion; its interim condition is written.
//   - waiting index (backoffLimitPerIndex): an index whose last failed pod
//     keeps its finalizer until the replacement, which inherits the index's
//     failure count in batch.kubernetes.io/job-index-failure-count, exists.
//
// Differences from Kubernetes: pod events are batched for 100 ms, not 1 s;
// status.active is reported truthfully while creation waits out a back-off
// (Kubernetes reports 0); the JOB_COMPLETION_INDEX fieldRef points at the
// annotation (Kubernetes ≥1.28 points at the label of the same name and
// value). Not implemented: the pod-creation and sync metrics besides
// job_controller_jobs_finished_total, and managedBy controllers other than
// "none or kubernetes.io/job-controller" are simply left alone.
package job
