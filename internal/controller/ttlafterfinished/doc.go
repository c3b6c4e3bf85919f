// Package ttlafterfinished deletes finished Jobs once
// spec.ttlSecondsAfterFinished has passed, as Kubernetes'
// ttl-after-finished controller does, so a CronJob's or a user's Jobs and
// their pods do not pile up.
//
//	Job added/updated, finished, TTL set ─► queue (ns/name) ─► sync
//	sync: expiry = finish time + TTL (pure: expiry)
//	   in the future → look again at exactly that instant
//	   passed        → GET the Job past the cache, decide again on the
//	                   fresh object; a CronJob's Job whose slot its
//	                   CronJob's status does not record yet waits (look
//	                   again in 1 s); else DELETE it (propagationPolicy
//	                   Foreground, preconditions uid + resourceVersion)
//
// As in Kubernetes, the delete is Foreground: the Job stays (with a
// deletionTimestamp) until the garbage collector has removed its pods.
//
// The finish time is status.completionTime for a Complete Job and the
// Failed condition's lastTransitionTime for a failed one. The fresh read
// and the preconditions mean a Job whose TTL was raised, or that was
// replaced under the same name, after the cache last saw it is never
// deleted on stale grounds: the delete fails with a conflict and the next
// sync decides again.
//
// The wait for the CronJob's status closes a window Kubernetes leaves
// open: with ttlSecondsAfterFinished 0, a run's Job could be gone before
// the CronJob recorded its slot, and a crash then would run the slot
// again (see slotUnrecorded).
//
// Glossary:
//   - finished: a Complete or Failed condition with status True.
//   - expiry: the instant the Job may be deleted.
package ttlafterfinished
