package warm

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/runner"
)

// holdBack keeps a slot that concurrencyPolicy Forbid stops from starting
// while a run is going. As Kubernetes keeps such a slot due (and ordo's
// CronJob controller does for Jobs), it starts once the run ends
// (takeHeld), if startingDeadlineSeconds still allows; a newer slot held
// back meanwhile supersedes it, with a MissSchedule event naming it. The
// caller holds l.mu.
func (l *loop) holdBack(slot time.Time) {
	l.event(corev1.EventTypeNormal, "JobAlreadyActive", "Not starting the run of slot "+stamp(slot)+" yet: the previous run is still going (concurrencyPolicy Forbid)")
	if !l.held.IsZero() {
		l.missHeld(runner.MissedForbid)
	}
	l.held = slot
}

// takeHeld returns the held slot once no run is going, and forgets it;
// one past startingDeadlineSeconds is reported missed instead. The caller
// holds l.mu.
func (l *loop) takeHeld() (time.Time, bool) {
	if l.held.IsZero() || len(l.runs) > 0 {
		return time.Time{}, false
	}
	if cj := l.cj.Load(); cj != nil && cj.Spec.StartingDeadlineSeconds != nil {
		deadline := time.Duration(*cj.Spec.StartingDeadlineSeconds) * time.Second
		if l.cfg.Clock.Since(l.held) > deadline {
			l.missHeld(runner.MissedTooLate)
			return time.Time{}, false
		}
	}
	slot := l.held
	l.held = time.Time{}
	return slot, true
}

// missHeld reports the held slot missed for reason and forgets it.
func (l *loop) missHeld(reason string) {
	m := runner.Missed{Slot: l.held, Count: 1, Reason: reason}
	l.event(corev1.EventTypeWarning, "MissSchedule", missMessage(m))
	l.cfg.Metrics.Missed(m.Reason, 1)
	if reason == runner.MissedForbid {
		l.cfg.Metrics.Skipped("ConcurrencyPolicyForbid")
	}
	l.held = time.Time{}
}
