package runner

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/ordo-dev/ordo/internal/cron"
)

// Annotations of a warm CronJob.
const (
	RunnerAnnotation   = "ordo.dev/runner"          // "warm"
	LifetimeAnnotation = "ordo.dev/runner-lifetime" // a Go duration
	RunnerLabel        = "ordo.dev/runner-for"      // on runner pods: the CronJob
	WarmRunner         = "warm"
)

// Lifetime bounds.
const (
	DefaultLifetime = time.Hour
	MinLifetime     = 10 * time.Second
)

// LifetimeOf reads ordo.dev/runner-lifetime: DefaultLifetime when absent.
func LifetimeOf(annotations map[string]string) (time.Duration, error) {
	v, ok := annotations[LifetimeAnnotation]
	if !ok {
		return DefaultLifetime, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("not a duration (like 1h or 90s): %q", v)
	}
	if d < MinLifetime {
		return 0, fmt.Errorf("%s is below the minimum of %s", d, MinLifetime)
	}
	return d, nil
}

// rotationLead is how long before its lifetime ends a runner's successor
// starts: a tenth of the lifetime, between 2 s and 5 minutes, so the
// successor has time to start its sandbox and become Ready.
func rotationLead(lifetime time.Duration) time.Duration {
	return min(max(lifetime/10, 2*time.Second), 5*time.Minute)
}

// RotationStart is when the controller starts the successor of a runner
// born at born: its lifetime minus the lead, minus a jitter of up to a
// tenth of the lifetime taken from the runner's name, so that CronJobs
// created together do not all rotate in the same second, and a given
// runner always gets the same answer.
func RotationStart(name string, born time.Time, lifetime time.Duration) time.Time {
	return born.Add(lifetime - rotationLead(lifetime) - jitter(name, lifetime/10))
}

func jitter(name string, spread time.Duration) time.Duration {
	if spread <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return time.Duration(h.Sum64() % uint64(spread))
}

// handoffMargin is how far ahead of now the hand-off slot must be, so the
// holder reads hand-at before that slot is due and does not claim it.
const handoffMargin = 500 * time.Millisecond

// HandoffSlot is the first slot a Ready successor runs: the first slot at
// least handoffMargin after now. Zero when the schedule has no next slot.
func HandoffSlot(s *cron.Schedule, now time.Time) time.Time {
	return s.Next(now.Add(handoffMargin - time.Nanosecond))
}

// Handing arranges the hand-off on the token: the successor and its first
// slot. It changes nothing when one is arranged already for the same
// successor.
func (t Token) Handing(successor string, at time.Time) Token {
	out := t
	if t.HandTo != successor {
		out.HandTo, out.HandAt = successor, at
	}
	return out
}
