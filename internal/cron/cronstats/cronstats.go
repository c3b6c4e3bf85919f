// Package cronstats turns what ordo knows about one CronJob (its spec, its
// Jobs, its run record and, for a warm CronJob, its runners' Lease) into the
// answers a person asks a dashboard: did it run on time, once, and did it
// succeed? It is pure: everything, the current time included, is an input,
// so every answer can be unit-tested.
//
// The types are the contract between the dashboard (internal/dashboard)
// and this package (issue 29).
package cronstats

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"

	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// Input is one CronJob and what it left behind.
type Input struct {
	CronJob *batchv1.CronJob
	// Jobs are the CronJob's Jobs still in the API (owned by it).
	Jobs []batchv1.Job
	// Runs is its run record (runrecord.Read), oldest first.
	Runs []runrecord.Run
	// Lease is a warm CronJob's runner Lease, nil otherwise.
	Lease *coordinationv1.Lease
	// Now is the time the answers are for.
	Now time.Time
	// Local is the zone of a schedule without spec.timeZone or a TZ=
	// prefix (the controller's zone, as Kubernetes uses); nil is
	// time.Local.
	Local *time.Location
}

// Health is a CronJob's state in one word, for sorting and filtering.
type Health string

const (
	Healthy   Health = "Healthy"   // the last run succeeded, nothing missed in the last day
	Failing   Health = "Failing"   // the last finished run failed
	Missing   Health = "Missing"   // a slot was missed in the last day
	Suspended Health = "Suspended" // spec.suspend is true
	Unknown   Health = "Unknown"   // no run yet
)

// NextRun is one upcoming slot.
type NextRun struct {
	At time.Time
	// DST is non-empty when a daylight-saving change moves or removes
	// wall-clock times near this slot, in words ("clocks go forward 1h").
	DST string
}

// Summary is one CronJob's row on the CronJobs page.
type Summary struct {
	Schedule    string // spec.schedule as written
	Description string // the schedule in plain words ("every 5 seconds")
	TimeZone    string // spec.timeZone, or the server's zone
	Warm        bool
	Suspended   bool
	Next        []NextRun
	LastRun     *runrecord.Run
	// SuccessStreak and FailureStreak count the newest finished runs with
	// the same outcome (one of them is zero).
	SuccessStreak, FailureStreak int
	// LagP50 and LagP99 are over the runs that started in the last day;
	// LagSamples is how many there were.
	LagP50, LagP99 time.Duration
	LagSamples     int
	// Missed are the slots of the last day that never ran, with Reason.
	Missed []runrecord.Run
	Health Health
}

// Slot is one row of a CronJob's timeline.
type Slot struct {
	runrecord.Run
	// Runs is how many runs this slot had: 1 is the exactly-once proof,
	// 0 a missed slot, more than 1 a duplicate (which ordo must never show).
	Runs int
	// Manual is a run started by hand (kubectl create job --from=cronjob/,
	// the dashboard's run now): its Slot is when it was created, not a
	// scheduled slot.
	Manual bool
}

// Summarize answers the CronJobs page's questions about one CronJob.
func Summarize(in Input) Summary {
	return summarize(in)
}

// Timeline merges the run record with the Jobs still in the API, newest
// slot first, at most limit slots (all of them when limit <= 0).
func Timeline(in Input, limit int) []Slot {
	slots := timeline(in)
	if limit > 0 && len(slots) > limit {
		slots = slots[:limit]
	}
	return slots
}
