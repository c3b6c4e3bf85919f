package cron

import (
	"time"

	robfig "github.com/robfig/cron/v3"
)

// maxSkippedSlots bounds how many wall-clock slots Next passes over because
// they were already due earlier in real time; that happens only in the hour
// repeated when clocks go back, which holds at most 3,600 second slots.
const maxSkippedSlots = 4000

// Schedule is a parsed CronJob schedule in its time zone.
type Schedule struct {
	spec      robfig.Schedule
	loc       *time.Location
	subMinute bool
	// constant is true for @every: a fixed real-time period, which daylight
	// saving does not affect.
	constant bool
}

func newSchedule(spec robfig.Schedule, loc *time.Location, seconds bool) *Schedule {
	s := &Schedule{spec: spec, loc: loc, subMinute: seconds}
	if every, ok := spec.(robfig.ConstantDelaySchedule); ok {
		s.constant = true
		s.subMinute = every.Delay%time.Minute != 0
	}
	return s
}

// Location is the zone the schedule is read in.
func (s *Schedule) Location() *time.Location { return s.loc }

// SubMinute reports whether runs may fall between whole minutes, so a Job
// name needs unix seconds rather than Kubernetes' unix minutes to be unique
// per slot.
func (s *Schedule) SubMinute() bool { return s.subMinute }

// Next returns the first instant strictly after after at which the schedule
// fires, in the schedule's zone, or the zero time if it never fires again.
//
// The fields are matched against wall-clock readings, and each wall-clock
// slot fires once, including on the days clocks change:
//   - a reading skipped when clocks go forward (02:30 on a spring-forward
//     day) fires at the end of the gap (03:00), so a nightly job is not lost;
//     several skipped slots fire together there, once;
//   - a reading that occurs twice when clocks go back (01:30 on a fall-back
//     day) fires at its first occurrence only.
func (s *Schedule) Next(after time.Time) time.Time {
	if s.constant {
		return s.spec.Next(after).In(s.loc)
	}
	w := wall(after, s.loc)
	for i := 0; i < maxSkippedSlots; i++ {
		w = s.spec.Next(w)
		if w.IsZero() {
			return time.Time{}
		}
		if t := instant(w, s.loc); t.After(after) {
			return t
		}
	}
	return time.Time{}
}

// wall returns t's wall-clock reading in loc as the same reading in UTC, a
// frame without daylight saving in which robfig's field matching is exact.
func wall(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// instant returns the first real instant (in loc) whose wall-clock reading
// in loc is w, or, for a reading that a forward change skips, the instant
// the gap ends.
func instant(w time.Time, loc *time.Location) time.Time {
	var first time.Time
	// A reading can only be taken with an offset in force near it; zones
	// change offset at most about twice a year, so a day either side covers
	// both candidates of a repeated hour.
	for _, probe := range []time.Duration{-26 * time.Hour, 0, 26 * time.Hour} {
		_, offset := w.Add(probe).In(loc).Zone()
		t := w.Add(-time.Duration(offset) * time.Second).In(loc)
		if wall(t, loc).Equal(w) && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if !first.IsZero() {
		return first
	}
	// Skipped reading: taken with the earlier offset it lands past the gap,
	// in the zone period that begins where the gap ends.
	_, before := w.Add(-26 * time.Hour).In(loc).Zone()
	start, _ := w.Add(-time.Duration(before) * time.Second).In(loc).ZoneBounds()
	return start.In(loc)
}
