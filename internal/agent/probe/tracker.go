package probe

import "time"

// tracker is the pure half of a Worker: from the attempts' raw results and
// the time it decides when to probe and what the thresholded result is. It
// holds no clock and does no I/O, which is what makes it table-testable.
type tracker struct {
	kind      Kind
	timing    timing
	startedAt time.Time // when the container started; initialDelay counts from here

	last     Result // raw result of the last judged attempt
	run      int    // how many judged attempts in a row returned last
	current  Result // the thresholded result
	reported bool   // whether current has been reported at least once
	done     bool   // no more attempts: a startup success, or a kill verdict
}

func newTracker(kind Kind, t timing, startedAt time.Time) *tracker {
	return &tracker{kind: kind, timing: t, startedAt: startedAt, current: initialResult(kind)}
}

// initialResult is what a probe says before it has settled, as in the
// kubelet: a container is not ready until proven ready, is alive until
// proven dead, and has not started until proven started.
func initialResult(k Kind) Result {
	switch k {
	case Readiness:
		return Failure
	case Liveness:
		return Success
	}
	return Unknown
}

// firstAttempt is when to probe first: initialDelay after the container
// started, or now if that has passed. (The kubelet checks the delay only on
// its period ticks, so its first probe can come up to a period late.)
func (t *tracker) firstAttempt(now time.Time) time.Time {
	at := t.startedAt.Add(t.timing.initialDelay)
	if at.Before(now) {
		return now
	}
	return at
}

// nextAttempt is the first slot of the period grid after prev that is later
// than now: slots missed while an attempt ran long are skipped, not
// bunched. If now is still before prev (an early, triggered attempt), the
// planned slot stands.
func (t *tracker) nextAttempt(prev, now time.Time) time.Time {
	if now.Before(prev) {
		return prev
	}
	missed := now.Sub(prev) / t.timing.period
	return prev.Add((missed + 1) * t.timing.period)
}

// due says whether to run an attempt at now. started reports whether the
// container's startup probe (if any) has succeeded: liveness and readiness
// wait for it; the startup probe itself does not.
func (t *tracker) due(now time.Time, started bool) bool {
	switch {
	case t.done:
		return false
	case now.Before(t.startedAt.Add(t.timing.initialDelay)):
		return false
	}
	return t.kind == Startup || started
}

// observe folds one attempt's raw result in and says whether the
// thresholded result (t.current) is news: its first settled value, or a
// change. Unknown attempts are ignored and do not break a run. A liveness
// or startup Failure is a kill verdict, and a startup Success is final:
// after either the tracker stops asking for attempts.
func (t *tracker) observe(r Result) bool {
	if r == Unknown || t.done {
		return false
	}
	if r == t.last {
		t.run++
	} else {
		t.last, t.run = r, 1
	}
	if t.run < t.timing.threshold(r) {
		return false
	}
	news := !t.reported || r != t.current
	t.current, t.reported = r, true
	if t.kind == Startup || (t.kind == Liveness && r == Failure) {
		t.done = true
	}
	return news
}
