package runner

import (
	"slices"
	"time"

	"github.com/ordo-dev/ordo/internal/cron"
)

// maxLookBack bounds the slots one claim looks back over individually, as
// the CronJob controller bounds its catch-up.
const maxLookBack = 100

// Reasons a slot was not run, for events and metrics: the CronJob
// controller's.
const (
	MissedTooLate    = cron.MissedTooLate
	MissedSuperseded = cron.MissedSuperseded
	MissedTooMany    = cron.MissedTooMany
	// MissedRunnerStopped: the runner that claimed the slot stopped
	// before starting it and could not give it back (Token.GaveUp).
	MissedRunnerStopped = "RunnerStopped"
	// MissedForbid: concurrencyPolicy Forbid held the slot back while a
	// run was going, and a newer slot came before that run ended.
	MissedForbid = "Forbid"
)

// Missed is one slot, or a run of slots, that will not run.
type Missed struct {
	// Slot is the newest slot of the run; for TooMany, the oldest slot
	// looked at (the Count missed are all before it).
	Slot   time.Time
	Count  int
	Reason string
}

// Policy is what a claim is decided under.
type Policy struct {
	Schedule         *cron.Schedule
	StartingDeadline *time.Duration // startingDeadlineSeconds
	CatchUp          cron.CatchUp
}

// Claim is what a holder does at now: run Run (oldest first), account for
// Missed, and first make the claim durable by writing Token (last-slot
// moved to the newest slot run or missed). Nothing is due when Run and
// Missed are empty.
type Claim struct {
	Run    []time.Time
	Missed []Missed
	Token  Token
}

// Due decides the holder's claim at now from the token: the slots in
// (last-slot, now], and those given back unstarted, with
// startingDeadlineSeconds and the catch-up policy applied as for ordinary
// CronJobs, and none at or after a hand-off's first slot (they are the
// successor's). since is where a token that never
// claimed starts (the CronJob's creation).
func Due(t Token, p Policy, since, now time.Time) Claim {
	from := t.LastSlot
	if from.IsZero() {
		from = since
	}
	until := now
	if !t.HandAt.IsZero() && !t.HandAt.After(now) {
		until = t.HandAt.Add(-time.Nanosecond) // the hand-off slot is the successor's
	}
	window := p.Schedule.Window(from, until, maxLookBack)
	c := Claim{Token: t}
	if window.Total > len(window.Recent) {
		c.Missed = append(c.Missed, Missed{Slot: firstOrZero(window.Recent), Count: window.Total - len(window.Recent), Reason: MissedTooMany})
	}
	eligible := window.Recent
	if p.StartingDeadline != nil {
		cutoff := now.Add(-*p.StartingDeadline)
		var late []time.Time
		eligible, late = splitBefore(eligible, cutoff)
		if len(late) > 0 {
			c.Missed = append(c.Missed, Missed{Slot: late[len(late)-1], Count: len(late), Reason: MissedTooLate})
		}
	}
	if p.CatchUp != cron.CatchUpAll && len(eligible) > 1 {
		c.Missed = append(c.Missed, Missed{Slot: eligible[len(eligible)-2], Count: len(eligible) - 1, Reason: MissedSuperseded})
		eligible = eligible[len(eligible)-1:]
	}
	c.Run = eligible
	retryUnstarted(&c, t, p, now)
	if newest := window.Latest(); !newest.IsZero() {
		c.Token.LastSlot = newest
	}
	return c
}

// retryUnstarted accounts for the slots given back unstarted (Token.GaveUp)
// under the same rules as any overdue slot: one older than
// startingDeadlineSeconds is missed as too late; under catch-up latest
// one is superseded unless it is the newest slot claimed and no newer
// one runs now; otherwise it runs now, late. The claim's write clears
// them, so each is accounted for once.
func retryUnstarted(c *Claim, t Token, p Policy, now time.Time) {
	c.Token.Unstarted = nil
	for _, u := range t.Unstarted {
		switch {
		case p.StartingDeadline != nil && u.Before(now.Add(-*p.StartingDeadline)):
			c.Missed = append(c.Missed, Missed{Slot: u, Count: 1, Reason: MissedTooLate})
		case p.CatchUp != cron.CatchUpAll && (u.Before(t.LastSlot) || len(c.Run) > 0):
			c.Missed = append(c.Missed, Missed{Slot: u, Count: 1, Reason: MissedSuperseded})
		default:
			c.Run = append(c.Run, u)
		}
	}
	slices.SortFunc(c.Run, time.Time.Compare)
}

// splitBefore splits slots (sorted) into those at or after cutoff and
// those before it.
func splitBefore(slots []time.Time, cutoff time.Time) (kept, before []time.Time) {
	for _, s := range slots {
		if s.Before(cutoff) {
			before = append(before, s)
		} else {
			kept = append(kept, s)
		}
	}
	return kept, before
}

func firstOrZero(slots []time.Time) time.Time {
	if len(slots) == 0 {
		return time.Time{}
	}
	return slots[0]
}

// ClaimAhead is how long before a slot a holder claims it (see Ahead).
// It is shorter than the hand-off margin, so a holder never claims ahead
// a slot a hand-off arranged meanwhile gives to its successor.
const ClaimAhead = 300 * time.Millisecond

// Ahead is the next slot the holder may claim before it is due: the first
// slot after now and after the last claimed, if it is due within lead
// and is not the successor's. Claiming it ahead (the CAS of last-slot
// happens before the slot) lets the run start at the slot itself with no
// API round trip on the way; a crash between the claim and the slot loses
// that one run, never doubles it.
func Ahead(t Token, s *cron.Schedule, now time.Time, lead time.Duration) (time.Time, bool) {
	from := now
	if t.LastSlot.After(from) {
		from = t.LastSlot
	}
	next := s.Next(from)
	if next.IsZero() || next.Sub(now) > lead || (!t.HandAt.IsZero() && !next.Before(t.HandAt)) {
		return time.Time{}, false
	}
	return next, true
}
