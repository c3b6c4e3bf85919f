// Package cronjob creates each CronJob's Jobs at their scheduled instants,
// with Kubernetes' semantics (batch/v1 CronJob, controller v2) and three
// differences users can rely on: seconds in schedules, firing within
// milliseconds, and every slot run exactly once across crashes.
//
//	CronJob added/changed ─┐
//	its Job finished/gone ─┼─► queue (ns/name) ─► sync ─► decide (pure) ─► apply
//	timer: AddAfter(next) ─┘                        ▲                        │
//	                                                └── requeue at next slot ┘
//
// The timer is the workqueue's delaying heap: sync returns the time to the
// next slot and the key is re-armed for exactly that instant, with no
// polling and no padding; any update syncs at once and re-arms it.
//
// decide(cronJob, its Jobs, schedule, now, memo) returns a plan:
//   - reconcile status.active with the Jobs that exist (SawCompletedJob,
//     MissingJob, UnexpectedJob) and lastSuccessfulTime;
//   - prune finished Jobs beyond the history limits;
//   - find the due slots after max(lastScheduleTime, memo.fired), drop
//     those older than startingDeadlineSeconds, pick the newest (or all,
//     with annotation ordo.dev/catch-up=all), apply concurrencyPolicy;
//   - report, once each, every slot that will not run, and why
//     (MissSchedule, TooManyMissedTimes, JobAlreadyActive events; the
//     ordo_cronjob_missed_runs_total and _skipped_runs_total metrics).
//
// Exactly once: a run's Job is named from its slot (Kubernetes'
// "<cronjob>-<unix minutes>", unix seconds for sub-minute schedules), so a
// repeated create for a slot — after a crash between the create and the
// status write, from a stale cache, or from a second server — gets
// AlreadyExists and counts as done. The memo (per process) keeps a slot
// that fired from being due again before status shows it; after a
// restart, status and the Jobs that exist say the same thing.
//
// Glossary:
//   - slot: one instant the schedule fires, in its time zone;
//   - recorded: the latest slot known to have its Job (status or memo);
//   - settled: a slot that either ran or was reported missed.
package cronjob
