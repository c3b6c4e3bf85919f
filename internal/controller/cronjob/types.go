package cronjob

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// input is everything decide looks at: the CronJob, the Jobs it controls
// (from the cache, confirmed against the API for active ones the cache
// lacks), the parsed schedule, and the clock.
type input struct {
	cj   *batchv1.CronJob
	jobs []*batchv1.Job
	// gone names active Jobs the API confirmed no longer exist.
	gone    map[string]bool
	sched   *cron.Schedule
	catchUp cron.CatchUp
	now     time.Time
	// memo is what this process remembers of the CronJob between syncs.
	memo memo
	// since is when this controller started (zero: unknown): a slot due
	// before it that did not run was missed because no controller ran.
	since time.Time
}

// memo is per-CronJob memory that outlives a sync but not the process. It
// guards against a cache that has not seen our last status write yet: a
// slot we created a Job for is never treated as due again, and a missed
// slot is reported once.
type memo struct {
	// fired is the latest slot this process created (or found) a Job for.
	fired time.Time
	// reported is the latest slot already counted as missed or skipped.
	reported time.Time
	// suspendedFrom and resumedAt bound the last time this process saw
	// the CronJob suspended (resumedAt zero: still suspended), so that
	// the slots that passed meanwhile are recorded as missed for it.
	suspendedFrom, resumedAt time.Time
}

// event is one Kubernetes event to record on the CronJob.
type event struct {
	kind, reason, message string
}

// run is one Job to create.
type run struct {
	slot time.Time
	job  *batchv1.Job
}

// plan is decide's answer, applied in this order by the controller:
// delete the active Jobs Replace ends, create runs, write status, delete
// old history, record events.
type plan struct {
	status        batchv1.CronJobStatus
	deleteActive  []corev1.ObjectReference
	runs          []run
	deleteHistory []*batchv1.Job
	events        []event
	// missed counts unrun slots by reason; skipped names why a due slot
	// was held back ("" if none).
	missed  map[string]int
	skipped string
	memo    memo
	// recorded is the latest slot known to have its Job before this sync:
	// status.lastScheduleTime or the memo, whichever is later.
	recorded time.Time
	// requeueAt is when to look again (zero: only on a change).
	requeueAt time.Time
	// record are the slots settled as missed, with why, for the run
	// record (the runs themselves are noted as their Jobs are created).
	record []runrecord.Run
}

func (p *plan) eventf(kind, reason, message string) {
	p.events = append(p.events, event{kind: kind, reason: reason, message: message})
}

func (p *plan) miss(reason string, n int) {
	if n <= 0 {
		return
	}
	if p.missed == nil {
		p.missed = map[string]int{}
	}
	p.missed[reason] += n
}
