package cronjob

import (
	"reflect"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/cron"
)

func TestDecideSlots(t *testing.T) {
	min := time.Minute
	cases := []struct {
		name        string
		cj          *batchv1.CronJob
		now         time.Time
		memo        memo
		wantRuns    []time.Time
		wantMissed  map[string]int
		wantEvents  []string
		wantRequeue time.Time
	}{{
		name: "nothing due yet", cj: newCronJob("* * * * *"), now: at(-10 * time.Second),
		wantRequeue: t0,
	}, {
		name: "a slot due on time runs once", cj: withLast(newCronJob("* * * * *"), t0), now: at(min + 2*time.Millisecond),
		wantRuns: []time.Time{at(min)}, wantRequeue: at(2 * min),
	}, {
		name: "first slot after creation", cj: newCronJob("* * * * *"), now: t0,
		wantRuns: []time.Time{t0}, wantRequeue: at(min),
	}, {
		name: "seconds schedule", cj: withLast(newCronJob("*/5 * * * * *"), t0), now: at(5 * time.Second),
		wantRuns: []time.Time{at(5 * time.Second)}, wantRequeue: at(10 * time.Second),
	}, {
		name: "memo says the slot already fired (status write not seen yet)", cj: withLast(newCronJob("* * * * *"), t0),
		now: at(min + time.Second), memo: memo{fired: at(min)}, wantRequeue: at(2 * min),
	}, {
		name: "missed slots, catch-up latest: newest runs, the rest reported", cj: withLast(newCronJob("* * * * *"), t0),
		now: at(5*min + 30*time.Second), wantRuns: []time.Time{at(5 * min)},
		wantMissed: map[string]int{missedSuperseded: 4}, wantEvents: []string{"MissSchedule"}, wantRequeue: at(6 * min),
	}, {
		name: "missed slots, catch-up all: every one runs, oldest first",
		cj:   withCatchUp(withLast(newCronJob("* * * * *"), t0), cron.CatchUpAll), now: at(5*min + 30*time.Second),
		wantRuns:    []time.Time{at(min), at(2 * min), at(3 * min), at(4 * min), at(5 * min)},
		wantRequeue: at(6 * min),
	}, {
		name: "startingDeadlineSeconds drops old slots, latest runs",
		cj:   withDeadline(withLast(newCronJob("* * * * *"), t0), 100), now: at(5*min + 30*time.Second),
		wantRuns:   []time.Time{at(5 * min)},
		wantMissed: map[string]int{missedTooLate: 3, missedSuperseded: 1}, wantEvents: []string{"MissSchedule", "MissSchedule"},
		wantRequeue: at(6 * min),
	}, {
		name: "startingDeadlineSeconds with catch-up all runs what the deadline allows",
		cj:   withCatchUp(withDeadline(withLast(newCronJob("* * * * *"), t0), 100), cron.CatchUpAll), now: at(5*min + 30*time.Second),
		wantRuns:   []time.Time{at(4 * min), at(5 * min)},
		wantMissed: map[string]int{missedTooLate: 3}, wantEvents: []string{"MissSchedule"}, wantRequeue: at(6 * min),
	}, {
		name: "every due slot too late: nothing runs, the miss is reported",
		cj:   withDeadline(withLast(newCronJob("* * * * *"), t0), 10), now: at(5*min + 30*time.Second),
		wantMissed: map[string]int{missedTooLate: 5}, wantEvents: []string{"MissSchedule"}, wantRequeue: at(6 * min),
	}, {
		name: "a miss already reported is not reported again",
		cj:   withDeadline(withLast(newCronJob("* * * * *"), t0), 10), now: at(5*min + 40*time.Second),
		memo: memo{reported: at(5 * min)}, wantRequeue: at(6 * min),
	}, {
		name: "a day down without a deadline: too many missed, newest runs",
		cj:   withLast(newCronJob("* * * * *"), t0), now: at(24 * time.Hour),
		wantRuns:   []time.Time{at(24 * time.Hour)},
		wantMissed: map[string]int{missedSuperseded: 99, missedTooMany: 1340}, wantEvents: []string{"TooManyMissedTimes", "MissSchedule"},
		wantRequeue: at(24*time.Hour + min),
	}, {
		name: "suspended: nothing runs, no timer", cj: withSuspend(withLast(newCronJob("* * * * *"), t0)), now: at(3 * min),
	}, {
		name:        "time zone and spring forward: 02:30 New York runs at 03:00 EDT",
		cj:          withZone(withLast(newCronJob("30 2 * * *"), time.Date(2026, 3, 7, 7, 30, 0, 0, time.UTC)), "America/New_York"),
		now:         time.Date(2026, 3, 8, 7, 0, 0, 1e6, time.UTC),
		wantRuns:    []time.Time{time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)},
		wantRequeue: time.Date(2026, 3, 9, 6, 30, 0, 0, time.UTC),
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := decideAt(t, tc.cj, tc.now, nil, tc.memo)
			if got := runSlots(p); !equalTimes(got, tc.wantRuns) {
				t.Errorf("runs = %v, want %v", got, tc.wantRuns)
			}
			if !reflect.DeepEqual(p.missed, tc.wantMissed) && (len(p.missed) != 0 || len(tc.wantMissed) != 0) {
				t.Errorf("missed = %v, want %v", p.missed, tc.wantMissed)
			}
			if got := reasons(p); !reflect.DeepEqual(got, tc.wantEvents) && (len(got) != 0 || len(tc.wantEvents) != 0) {
				t.Errorf("events = %v, want %v (%+v)", got, tc.wantEvents, p.events)
			}
			if !p.requeueAt.Equal(tc.wantRequeue) {
				t.Errorf("requeue at %v, want %v", p.requeueAt, tc.wantRequeue)
			}
			if n := len(tc.wantRuns); n > 0 {
				last := tc.wantRuns[n-1]
				if got := p.status.LastScheduleTime; got == nil || !got.Time.Equal(last) || !p.memo.fired.Equal(last) {
					t.Errorf("lastScheduleTime %v / memo %v, want %v", got, p.memo.fired, last)
				}
			}
		})
	}
}

func TestJobNamesAndTemplate(t *testing.T) {
	cj := withLast(newCronJob("* * * * *"), t0)
	cj.Spec.JobTemplate.Annotations = map[string]string{"note": "kept"}
	p := decideAt(t, cj, at(time.Minute), nil, memo{})
	j := p.runs[0].job
	if want := "backup-29627281"; j.Name != want { // 2026-05-01T12:01:00Z is unix 1777636860
		t.Errorf("name = %s, want %s", j.Name, want)
	}
	if j.Annotations[batchv1.CronJobScheduledTimestampAnnotation] != "2026-05-01T12:01:00Z" || j.Annotations["note"] != "kept" {
		t.Errorf("annotations = %v", j.Annotations)
	}
	if j.Labels["app"] != "backup" || len(j.OwnerReferences) != 1 || j.OwnerReferences[0].UID != "cj-uid" || !*j.OwnerReferences[0].Controller {
		t.Errorf("labels %v owners %+v", j.Labels, j.OwnerReferences)
	}
	secs := withLast(newCronJob("*/5 * * * * *"), t0)
	if got := decideAt(t, secs, at(5*time.Second), nil, memo{}).runs[0].job.Name; got != "backup-1777636805" {
		t.Errorf("seconds name = %s", got)
	}
	berlin := withZone(withLast(newCronJob("0 * * * *"), t0), "Europe/Berlin")
	if got := decideAt(t, berlin, at(time.Hour), nil, memo{}).runs[0].job.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; got != "2026-05-01T15:00:00+02:00" {
		t.Errorf("annotation in zone = %s", got)
	}
}

func TestConcurrencyPolicies(t *testing.T) {
	min := time.Minute
	t.Run("Forbid with a running Job holds the slot back", func(t *testing.T) {
		cj := withLast(newCronJob("* * * * *"), t0)
		cj.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
		running := job(cj, t0, "")
		p := decideAt(t, active(cj, running), at(min), []*batchv1.Job{running}, memo{})
		if len(p.runs) != 0 || p.skipped != skippedForbid || !reflect.DeepEqual(reasons(p), []string{"JobAlreadyActive"}) {
			t.Fatalf("runs %v skipped %q events %v", runSlots(p), p.skipped, reasons(p))
		}
		// The same slot held back again (e.g. a Job update) is not re-announced.
		again := decideAt(t, cj, at(min+5*time.Second), []*batchv1.Job{running}, p.memo)
		if len(again.events) != 0 || again.skipped != "" {
			t.Fatalf("re-announced: %v %q", reasons(again), again.skipped)
		}
		// When the long Job finishes, the held-back slot runs (Kubernetes does the same).
		done := job(cj, t0, batchv1.JobComplete)
		after := decideAt(t, cj, at(min+50*time.Second), []*batchv1.Job{done}, p.memo)
		if !equalTimes(runSlots(after), []time.Time{at(min)}) || len(after.status.Active) != 0 {
			t.Fatalf("after finish: runs %v active %v", runSlots(after), after.status.Active)
		}
		if !reflect.DeepEqual(reasons(after), []string{"SawCompletedJob"}) || after.status.LastSuccessfulTime == nil {
			t.Fatalf("after finish: events %v lastSuccessful %v", reasons(after), after.status.LastSuccessfulTime)
		}
	})
	t.Run("Forbid with a deadline: a slot held back too long is missed", func(t *testing.T) {
		cj := withDeadline(withLast(newCronJob("* * * * *"), t0), 20)
		cj.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
		done := job(cj, t0, batchv1.JobFailed)
		p := decideAt(t, cj, at(min+45*time.Second), []*batchv1.Job{done}, memo{})
		if len(p.runs) != 0 || p.missed[missedTooLate] != 1 {
			t.Fatalf("runs %v missed %v", runSlots(p), p.missed)
		}
	})
	t.Run("Forbid with catch-up all runs one slot at a time", func(t *testing.T) {
		cj := withCatchUp(withLast(newCronJob("* * * * *"), t0), cron.CatchUpAll)
		cj.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
		p := decideAt(t, cj, at(3*min), nil, memo{})
		if !equalTimes(runSlots(p), []time.Time{at(min)}) || len(p.missed) != 0 {
			t.Fatalf("runs %v missed %v", runSlots(p), p.missed)
		}
	})
	t.Run("Replace ends the running Job and starts the new one", func(t *testing.T) {
		cj := withLast(newCronJob("* * * * *"), t0)
		cj.Spec.ConcurrencyPolicy = batchv1.ReplaceConcurrent
		running := job(cj, t0, "")
		p := decideAt(t, active(cj, running), at(min), []*batchv1.Job{running}, memo{})
		if len(p.deleteActive) != 1 || p.deleteActive[0].Name != running.Name || !equalTimes(runSlots(p), []time.Time{at(min)}) {
			t.Fatalf("deleteActive %v runs %v", p.deleteActive, runSlots(p))
		}
	})
	t.Run("Allow runs alongside", func(t *testing.T) {
		cj := withLast(newCronJob("* * * * *"), t0)
		running := job(cj, t0, "")
		p := decideAt(t, active(cj, running), at(min), []*batchv1.Job{running}, memo{})
		if len(p.deleteActive) != 0 || len(p.runs) != 1 || len(p.status.Active) != 1 {
			t.Fatalf("deleteActive %v runs %v active %v", p.deleteActive, runSlots(p), p.status.Active)
		}
	})
}

func TestActiveReconcile(t *testing.T) {
	cj := withLast(newCronJob("0 0 1 1 *"), t0)
	ours := job(cj, t0, "")                   // created, status write lost
	manual := job(cj, t0.Add(-time.Hour), "") // kubectl create job --from
	delete(manual.Annotations, batchv1.CronJobScheduledTimestampAnnotation)
	manual.Name = "backup-manual-x"
	vanished := job(cj, t0.Add(-2*time.Hour), "")
	active(cj, vanished)
	in := input{cj: cj, jobs: []*batchv1.Job{ours, manual}, gone: map[string]bool{vanished.Name: true}}
	var p plan
	p.status = *cj.Status.DeepCopy()
	reconcileActive(&in, &p)
	if len(p.status.Active) != 1 || p.status.Active[0].UID != ours.UID {
		t.Fatalf("active = %+v", p.status.Active)
	}
	got := strings.Join(reasons(p), ",")
	if got != "UnexpectedJob,MissingJob" {
		t.Fatalf("events = %s", got)
	}
}

func TestHistoryLimits(t *testing.T) {
	cj := withLast(newCronJob("* * * * *"), at(10*time.Minute))
	cj.Spec.SuccessfulJobsHistoryLimit = ptr.To[int32](3)
	cj.Spec.FailedJobsHistoryLimit = ptr.To[int32](1)
	var jobs []*batchv1.Job
	for i := 1; i <= 5; i++ {
		jobs = append(jobs, job(cj, at(time.Duration(i)*time.Minute), batchv1.JobComplete))
	}
	for i := 6; i <= 8; i++ {
		jobs = append(jobs, job(cj, at(time.Duration(i)*time.Minute), batchv1.JobFailed))
	}
	// Finished, but its slot is newer than status records: kept.
	unrecorded := job(cj, at(11*time.Minute), batchv1.JobComplete)
	jobs = append(jobs, unrecorded, job(cj, at(9*time.Minute), ""))
	p := decideAt(t, cj, at(10*time.Minute+time.Second), jobs, memo{})
	want := []string{jobs[0].Name, jobs[1].Name, jobs[5].Name, jobs[6].Name}
	if got := names(p.deleteHistory); !reflect.DeepEqual(got, want) {
		t.Fatalf("deleteHistory = %v, want %v", got, want)
	}
	cj.Spec.SuccessfulJobsHistoryLimit, cj.Spec.FailedJobsHistoryLimit = nil, nil
	if p := decideAt(t, cj, at(10*time.Minute+time.Second), jobs, memo{}); len(p.deleteHistory) != 0 {
		t.Fatalf("no limits: deleteHistory = %v", names(p.deleteHistory))
	}
}

func TestDeletingCronJobDoesNothing(t *testing.T) {
	cj := withLast(newCronJob("* * * * *"), t0)
	cj.DeletionTimestamp = &cj.CreationTimestamp
	if p := decideAt(t, cj, at(5*time.Minute), nil, memo{}); len(p.runs) != 0 || !p.requeueAt.IsZero() {
		t.Fatalf("runs %v requeue %v", runSlots(p), p.requeueAt)
	}
}

func withCatchUp(cj *batchv1.CronJob, c cron.CatchUp) *batchv1.CronJob {
	cj.Annotations = map[string]string{cron.CatchUpAnnotation: string(c)}
	return cj
}

func withDeadline(cj *batchv1.CronJob, seconds int64) *batchv1.CronJob {
	cj.Spec.StartingDeadlineSeconds = &seconds
	return cj
}

func withSuspend(cj *batchv1.CronJob) *batchv1.CronJob {
	cj.Spec.Suspend = ptr.To(true)
	return cj
}

func withZone(cj *batchv1.CronJob, zone string) *batchv1.CronJob {
	cj.Spec.TimeZone = &zone
	return cj
}

func equalTimes(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// TestSlotWithAJobIsNotReportedMissed: a new leader whose CronJob status
// lags (the old leader created the Job for 12:01 and died before writing
// lastScheduleTime) runs the newest slot and reports only the slots that
// have no Job as missed, not the one that ran.
func TestSlotWithAJobIsNotReportedMissed(t *testing.T) {
	min := time.Minute
	cj := withLast(newCronJob("* * * * *"), t0)
	ranBeforeFailover := job(cj, at(min), "")
	p := decideAt(t, cj, at(5*min+30*time.Second), []*batchv1.Job{ranBeforeFailover}, memo{})
	if got := runSlots(p); !equalTimes(got, []time.Time{at(5 * min)}) {
		t.Errorf("runs = %v, want 12:05 only", got)
	}
	if got := p.missed[missedSuperseded]; got != 3 {
		t.Errorf("superseded = %d, want 3 (12:02, 12:03, 12:04): %v", got, p.missed)
	}
	if len(p.events) != 1 || !strings.Contains(p.events[0].message, "Fri, 01 May 2026 12:04:00 +0000 (and 2 earlier)") {
		t.Errorf("events = %+v, want one MissSchedule naming 12:04 and 2 earlier", p.events)
	}
}
