package cronstats

import (
	"slices"
	"time"

	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/cron/runrecord"
	"github.com/ordo-dev/ordo/internal/runner"
)

// NextCount is how many upcoming slots a Summary lists.
const NextCount = 5

// Day is the window of the lag figures and missed slots.
const Day = 24 * time.Hour

// summarize fills a Summary; see Summary's fields for what each means.
func summarize(in Input) Summary {
	cj := in.CronJob
	out := Summary{
		Schedule:    cj.Spec.Schedule,
		Description: Describe(cj.Spec.Schedule),
		Warm:        cj.Annotations[runner.RunnerAnnotation] == runner.WarmRunner,
		Suspended:   cj.Spec.Suspend != nil && *cj.Spec.Suspend,
	}
	local := in.Local
	if local == nil {
		local = time.Local
	}
	if s, err := cron.Parse(cj.Spec.Schedule, cj.Spec.TimeZone, local); err == nil {
		out.TimeZone = s.Location().String()
		out.Next = nextRuns(s, in.Now, NextCount)
	}
	slots := timeline(in)
	out.LastRun = lastRun(slots)
	out.SuccessStreak, out.FailureStreak = streaks(slots)
	lags := dayLags(slots, in.Now)
	out.LagSamples = len(lags)
	out.LagP50, out.LagP99 = percentile(lags, 50), percentile(lags, 99)
	out.Missed = dayMissed(slots, in.Now)
	out.Health = health(out)
	return out
}

// lastRun is the newest slot that started (scheduled or manual).
func lastRun(slots []Slot) *runrecord.Run {
	for _, s := range slots {
		if s.Outcome != runrecord.Missed {
			r := s.Run
			return &r
		}
	}
	return nil
}

// streaks counts the newest finished runs that share an outcome; runs
// still going and missed slots neither extend nor break a streak.
func streaks(slots []Slot) (success, failure int) {
	var first runrecord.Outcome
	for _, s := range slots {
		if s.Outcome != runrecord.Succeeded && s.Outcome != runrecord.Failed {
			continue
		}
		if first == "" {
			first = s.Outcome
		}
		if s.Outcome != first {
			break
		}
		if first == runrecord.Succeeded {
			success++
		} else {
			failure++
		}
	}
	return success, failure
}

// dayLags are the start lags of the scheduled runs whose slot fell in the
// last day, sorted. Manual runs have no slot, so no lag.
func dayLags(slots []Slot, now time.Time) []time.Duration {
	var lags []time.Duration
	for _, s := range slots {
		if s.Manual || s.Started == nil || !inLastDay(s.Slot, now) {
			continue
		}
		lag := s.Started.Sub(s.Slot)
		if lag < 0 {
			lag = 0 // a warm run claimed ahead starts at its slot, not before
		}
		lags = append(lags, lag)
	}
	slices.Sort(lags)
	return lags
}

// percentile is the nearest-rank percentile of sorted values, 0 for none.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// dayMissed are the missed slots of the last day, newest first.
func dayMissed(slots []Slot, now time.Time) []runrecord.Run {
	var out []runrecord.Run
	for _, s := range slots {
		if s.Outcome == runrecord.Missed && inLastDay(s.Slot, now) {
			out = append(out, s.Run)
		}
	}
	return out
}

func inLastDay(t, now time.Time) bool {
	return !t.After(now) && now.Sub(t) <= Day
}

// health puts the summary in one word; the order says which matters most.
func health(s Summary) Health {
	last := lastFinished(s)
	switch {
	case s.Suspended:
		return Suspended
	case last == runrecord.Failed:
		return Failing
	case len(s.Missed) > 0:
		return Missing
	case last == runrecord.Succeeded:
		return Healthy
	}
	return Unknown
}

func lastFinished(s Summary) runrecord.Outcome {
	switch {
	case s.FailureStreak > 0:
		return runrecord.Failed
	case s.SuccessStreak > 0:
		return runrecord.Succeeded
	}
	return ""
}
