package cronjob

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// maxCatchUp bounds the slots one sync looks back over individually; it is
// also where Kubernetes starts warning TooManyMissedTimes.
const maxCatchUp = 100

// Reasons a slot did not run, for events and metrics.
const (
	missedTooLate    = cron.MissedTooLate
	missedSuperseded = cron.MissedSuperseded
	missedTooMany    = cron.MissedTooMany
	skippedForbid    = "ConcurrencyPolicyForbid"
)

// decide computes what a sync of one CronJob should do at in.now. It is
// pure: everything it needs is in in, everything it wants is in the plan.
func decide(in input) plan {
	p := plan{status: *in.cj.Status.DeepCopy(), memo: in.memo}
	reconcileActive(&in, &p)
	if in.cj.DeletionTimestamp != nil {
		return p
	}
	recorded := latest(lastScheduleTime(in.cj), in.memo.fired)
	p.recorded = recorded
	pruneHistory(&in, recorded, &p)
	if in.cj.Spec.Suspend != nil && *in.cj.Spec.Suspend {
		if p.memo.suspendedFrom.IsZero() || !p.memo.resumedAt.IsZero() {
			p.memo.suspendedFrom, p.memo.resumedAt = in.now, time.Time{}
		}
		return p
	}
	if !p.memo.suspendedFrom.IsZero() && p.memo.resumedAt.IsZero() {
		p.memo.resumedAt = in.now
	}
	earliest := recorded
	if earliest.IsZero() {
		earliest = in.cj.CreationTimestamp.Time
	}
	planRuns(&in, earliest, &p)
	if next := in.sched.Next(in.now); !next.IsZero() {
		p.requeueAt = next
	}
	return p
}

// planRuns picks the due slots to run, applying startingDeadlineSeconds,
// the catch-up policy and concurrencyPolicy, and accounts once for every
// slot that will not run.
func planRuns(in *input, earliest time.Time, p *plan) {
	due := in.sched.Window(earliest, in.now, maxCatchUp)
	cutoff := deadlineCutoff(in)
	eligible := notBefore(due.Recent, cutoff)
	if len(eligible) == 0 {
		reportMissed(in, earliest, nil, p)
		return
	}
	chosen := eligible[len(eligible)-1:]
	if in.catchUp == cron.CatchUpAll && in.cj.Spec.ConcurrencyPolicy != batchv1.ReplaceConcurrent {
		chosen = eligible
	}
	// pending: slots that run now or stay due; every other due slot is
	// missed. Forbid below may run fewer of them now, but the rest stay due.
	pending := chosen
	switch {
	case len(p.status.Active) > 0 && in.cj.Spec.ConcurrencyPolicy == batchv1.ForbidConcurrent:
		forbid(in, earliest, pending, p)
		return
	case len(p.status.Active) > 0 && in.cj.Spec.ConcurrencyPolicy == batchv1.ReplaceConcurrent:
		replaceActive(p)
	case in.cj.Spec.ConcurrencyPolicy == batchv1.ForbidConcurrent:
		chosen = chosen[:1] // one at a time, oldest first
	}
	for _, slot := range chosen {
		p.runs = append(p.runs, run{slot: slot, job: newJob(in.cj, slot, in.sched.Location(), in.sched.SubMinute())})
	}
	last := chosen[len(chosen)-1]
	p.status.LastScheduleTime = &metav1.Time{Time: last}
	p.memo.fired = last
	reportMissed(in, earliest, pending, p)
}

// forbid holds the chosen slots back while a Job runs. As in Kubernetes
// they stay due: when the running Job finishes, the next sync runs the
// newest of them if startingDeadlineSeconds still allows.
func forbid(in *input, earliest time.Time, chosen []time.Time, p *plan) {
	newest := chosen[len(chosen)-1]
	if newest.After(in.memo.reported) {
		p.eventf(corev1.EventTypeNormal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid")
		p.skipped = skippedForbid
		// Recorded as missed now: if it runs after all (the running Job
		// ends before a newer slot comes), its run replaces the mark.
		for _, t := range chosen {
			if t.After(in.memo.reported) {
				p.record = append(p.record, runrecord.Run{Slot: t, Outcome: runrecord.Missed, Reason: runrecord.ReasonForbid})
			}
		}
	}
	reportMissed(in, earliest, chosen, p)
}

// replaceActive ends every active Job, as concurrencyPolicy Replace asks.
func replaceActive(p *plan) {
	p.deleteActive = append(p.deleteActive, p.status.Active...)
	p.status.Active = nil
}

// reportMissed counts and announces, once each, the due slots newer than
// the last report that are neither run nor still pending (pending: chosen
// but held back by Forbid). Which slots remain pending depends on the
// catch-up policy, so the report mark only passes slots that are settled.
func reportMissed(in *input, earliest time.Time, kept []time.Time, p *plan) {
	from := latest(earliest, in.memo.reported)
	fresh := in.sched.Window(from, in.now, maxCatchUp)
	if fresh.Total == 0 {
		return
	}
	cutoff := deadlineCutoff(in)
	keep := map[time.Time]bool{}
	for _, t := range kept {
		keep[t] = true
	}
	ran := jobSlots(in.jobs)
	var tooLate, superseded []time.Time
	for _, t := range fresh.Recent {
		switch {
		case keep[t], ran[t.Unix()]:
		case t.Before(cutoff):
			tooLate = append(tooLate, t)
		default:
			superseded = append(superseded, t)
		}
	}
	older := fresh.Total - len(fresh.Recent)
	if older > 0 && len(fresh.Recent) > 0 && fresh.Recent[0].Before(cutoff) {
		p.miss(missedTooLate, older)
	} else {
		p.miss(missedTooMany, older)
	}
	p.miss(missedTooLate, len(tooLate))
	p.miss(missedSuperseded, len(superseded))
	announceMissed(in, fresh, tooLate, superseded, p)
	for _, t := range tooLate {
		p.record = append(p.record, missedRun(in, p, t, runrecord.ReasonDeadline))
	}
	for _, t := range superseded {
		p.record = append(p.record, missedRun(in, p, t, runrecord.ReasonSuperseded))
	}
	p.memo.reported = settledUntil(in, fresh.Latest(), kept)
}

// missedRun is a missed slot for the run record, with the cause a user
// can act on: no controller was running at its time, or the CronJob was
// suspended then; otherwise reason (its deadline passed, or a newer slot
// ran instead).
func missedRun(in *input, p *plan, slot time.Time, reason string) runrecord.Run {
	m := p.memo
	switch {
	case !in.since.IsZero() && slot.Before(in.since):
		reason = runrecord.ReasonServerDown
	case !m.suspendedFrom.IsZero() && !slot.Before(m.suspendedFrom) && (m.resumedAt.IsZero() || !slot.After(m.resumedAt)):
		reason = runrecord.ReasonSuspended
	}
	return runrecord.Run{Slot: slot, Outcome: runrecord.Missed, Reason: reason}
}

// settledUntil is the new report mark: the newest due slot, except that
// with catch-up all the slots Forbid holds back are not settled yet.
func settledUntil(in *input, newest time.Time, kept []time.Time) time.Time {
	if in.catchUp == cron.CatchUpAll && len(kept) > 0 {
		return latest(in.memo.reported, kept[0].Add(-time.Nanosecond))
	}
	return latest(in.memo.reported, newest)
}

// announceMissed records the events that say a run was missed, and why.
func announceMissed(in *input, fresh cron.Slots, tooLate, superseded []time.Time, p *plan) {
	if fresh.Total > maxCatchUp {
		p.eventf(corev1.EventTypeWarning, "TooManyMissedTimes", fmt.Sprintf(
			"too many missed start times: %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew", fresh.Total))
	}
	if n := len(tooLate); n > 0 {
		p.eventf(corev1.EventTypeWarning, "MissSchedule", fmt.Sprintf(
			"Missed scheduled time to start a job: %s%s: more than startingDeadlineSeconds (%ds) ago",
			tooLate[n-1].UTC().Format(time.RFC1123Z), andEarlier(n), *in.cj.Spec.StartingDeadlineSeconds))
	}
	if n := len(superseded); n > 0 {
		p.eventf(corev1.EventTypeWarning, "MissSchedule", fmt.Sprintf(
			"Missed scheduled time to start a job: %s%s: superseded by a newer run; set annotation %s=%s to run every missed time",
			superseded[n-1].UTC().Format(time.RFC1123Z), andEarlier(n), cron.CatchUpAnnotation, cron.CatchUpAll))
	}
}

// jobSlots are the slots (Unix seconds) that have a Job, from the Jobs'
// scheduled-time annotation. A new leader's status may lag the Jobs: the
// old leader can die between creating a slot's Job and writing
// lastScheduleTime, and that slot ran, so it must not be reported missed.
func jobSlots(jobs []*batchv1.Job) map[int64]bool {
	out := map[int64]bool{}
	for _, j := range jobs {
		if at, err := time.Parse(time.RFC3339, j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]); err == nil {
			out[at.Unix()] = true
		}
	}
	return out
}

func andEarlier(n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(" (and %d earlier)", n-1)
}

// deadlineCutoff is the oldest slot startingDeadlineSeconds still allows
// to start (zero: no deadline).
func deadlineCutoff(in *input) time.Time {
	if d := in.cj.Spec.StartingDeadlineSeconds; d != nil {
		return in.now.Add(-time.Duration(*d) * time.Second)
	}
	return time.Time{}
}

func notBefore(slots []time.Time, cutoff time.Time) []time.Time {
	var out []time.Time
	for _, t := range slots {
		if !t.Before(cutoff) {
			out = append(out, t)
		}
	}
	return out
}

func lastScheduleTime(cj *batchv1.CronJob) time.Time {
	if t := cj.Status.LastScheduleTime; t != nil {
		return t.Time
	}
	return time.Time{}
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
