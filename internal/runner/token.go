package runner

import (
	"slices"
	"time"
)

// Annotations of the Lease that carry the claim state (see the package
// documentation).
const (
	LastSlotAnnotation = "ordo.dev/last-slot"
	HandToAnnotation   = "ordo.dev/hand-to"
	HandAtAnnotation   = "ordo.dev/hand-at"
	// UnstartedAnnotation lists (comma-separated, RFC 3339) slots that
	// were claimed but whose runs provably never started: the loop that
	// claimed them stopped first and gave them back. The next claim runs
	// or misses each of them.
	UnstartedAnnotation = "ordo.dev/unstarted"
)

// Token is the Lease as a runner reads it.
type Token struct {
	Holder   string
	Renewed  time.Time
	Duration time.Duration
	LastSlot time.Time // newest slot claimed; zero before the first
	HandTo   string    // successor, when a hand-off is arranged
	HandAt   time.Time // first slot of the successor
	// Unstarted are claimed slots given back unrun (see GaveUp), oldest
	// first.
	Unstarted []time.Time
}

// GaveUp is the token after a runner gives back slots it claimed but
// never started and never will (its runs were stopped first): they join
// Unstarted, so the next claim accounts for each, by running it or
// reporting it missed. Only the runner that claimed a slot may give it
// up, and only once it is sure the slot cannot start there any more:
// otherwise the slot could run twice.
func (t Token) GaveUp(slots []time.Time) Token {
	out := t
	out.Unstarted = append([]time.Time(nil), t.Unstarted...)
	for _, s := range slots {
		if !slices.ContainsFunc(out.Unstarted, s.Equal) {
			out.Unstarted = append(out.Unstarted, s)
		}
	}
	slices.SortFunc(out.Unstarted, time.Time.Compare)
	return out
}

// Expired: the holder stopped renewing; anyone may take the token.
func (t Token) Expired(now time.Time) bool {
	return t.Holder == "" || now.After(t.Renewed.Add(t.Duration))
}

// Role is what a runner pod may do with the token right now.
type Role int

const (
	// Wait: another live runner holds the token.
	Wait Role = iota
	// Hold: this pod holds the token and runs slots.
	Hold
	// TakeOver: the token is free, expired, or handed to this pod; take it
	// (a CAS write of the holder) before running anything.
	TakeOver
)

// RoleOf is me's role given the token.
func RoleOf(t Token, me string, now time.Time) Role {
	switch {
	case t.Holder == me:
		return Hold
	case t.HandTo == me && !t.HandAt.IsZero() && !now.Before(t.HandAt):
		return TakeOver
	case t.Expired(now):
		return TakeOver
	}
	return Wait
}

// Taken is the token after me takes it: the claim state carries over, so
// the new holder goes on from the last slot claimed.
func (t Token) Taken(me string, now time.Time) Token {
	out := t
	out.Holder, out.Renewed = me, now
	if t.HandTo == me {
		out.HandTo, out.HandAt = "", time.Time{}
	}
	return out
}
