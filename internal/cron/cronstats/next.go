package cronstats

import (
	"fmt"
	"time"

	"github.com/ordo-dev/ordo/internal/cron"
)

// nextRuns returns the next n slots after now, each marked when a
// daylight-saving change moves, skips or repeats wall-clock times near it:
// a change between it and the slot before (or now), or a reading it
// shares with the hour clocks go back over. cron.Schedule.Next has already
// placed the slot by ordo's rule (a skipped reading fires at the end of
// the gap, a repeated one once, at its first occurrence); each change is
// marked once, on the first slot it concerns.
func nextRuns(s *cron.Schedule, now time.Time, n int) []NextRun {
	loc := s.Location()
	var out []NextRun
	var marked time.Time
	prev := now
	for len(out) < n {
		t := s.Next(prev)
		if t.IsZero() {
			break
		}
		r := NextRun{At: t.In(loc)}
		if change, words := dstNear(prev, t, loc); words != "" && !change.Equal(marked) {
			r.DST, marked = words, change
		}
		out = append(out, r)
		prev = t
	}
	return out
}

// dstNear finds the offset change that concerns the slot to (after the
// slot from): one between them, or one just after to that repeats to's
// wall-clock reading. It returns the change's instant and its words.
func dstNear(from, to time.Time, loc *time.Location) (time.Time, string) {
	_, before := from.In(loc).Zone()
	_, offset := to.In(loc).Zone()
	if start, _ := to.In(loc).ZoneBounds(); before != offset && start.After(from) {
		return start, changeWords(start, before, offset)
	}
	_, end := to.In(loc).ZoneBounds()
	if end.IsZero() {
		return time.Time{}, ""
	}
	_, next := end.In(loc).Zone()
	if back := time.Duration(offset-next) * time.Second; back > 0 && end.Sub(to) <= back {
		return end, changeWords(end, offset, next) + "; " + to.In(loc).Format("15:04") + " occurs twice, runs once"
	}
	return time.Time{}, ""
}

// changeWords names a change by the wall-clock reading it happens at, as
// people say it ("at 02:00 clocks go back 1h"): the old offset's reading.
func changeWords(at time.Time, before, after int) string {
	d := time.Duration(after-before) * time.Second
	when := at.In(time.FixedZone("", before)).Format("Jan 2 15:04")
	if d > 0 {
		return fmt.Sprintf("clocks go forward %s at %s", shortDuration(d), when)
	}
	return fmt.Sprintf("clocks go back %s at %s", shortDuration(-d), when)
}

// shortDuration prints 1h rather than 1h0m0s.
func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
