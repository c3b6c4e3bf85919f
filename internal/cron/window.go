package cron

import "time"

// maxScan bounds the slots Window steps through one by one; past it, it
// jumps ahead by the schedule's recent period (a seconds schedule left for
// a week has 604,800 slots, and only the last few matter).
const maxScan = 10000

// Slots is what Window found between two instants.
type Slots struct {
	// Recent holds the latest due slots, oldest first, at most the number
	// Window was asked to keep.
	Recent []time.Time
	// Total counts every due slot; it is an estimate when Exact is false.
	Total int
	Exact bool
}

// Latest is the most recent due slot, or the zero time when none is due.
func (s Slots) Latest() time.Time {
	if len(s.Recent) == 0 {
		return time.Time{}
	}
	return s.Recent[len(s.Recent)-1]
}

// Window returns the slots in (after, until], keeping the latest keep of
// them (keep ≥ 1).
func (s *Schedule) Window(after, until time.Time, keep int) Slots {
	out := Slots{Exact: true}
	if keep < 1 {
		keep = 1
	}
	var prev time.Time
	for t := s.Next(after); !t.IsZero() && !t.After(until); t = s.Next(t) {
		out.Total++
		out.Recent = append(out.Recent, t)
		if len(out.Recent) > keep {
			out.Recent = out.Recent[1:]
		}
		if out.Total >= maxScan && !prev.IsZero() {
			if jumped, skipped := jumpAhead(prev, t, until, keep); skipped > 0 {
				out.Exact = false
				out.Total += skipped
				out.Recent = nil
				t = jumped
			}
		}
		prev = t
	}
	return out
}

// jumpAhead estimates, from the period between the last two slots, where
// to resume scanning so that only about keep+1 periods remain before until,
// and how many slots that skips. It never moves backwards.
func jumpAhead(prev, last, until time.Time, keep int) (time.Time, int) {
	period := last.Sub(prev)
	if period <= 0 {
		return last, 0
	}
	resume := until.Add(-period * time.Duration(keep+1))
	if !resume.After(last) {
		return last, 0
	}
	return resume, int(resume.Sub(last) / period)
}
