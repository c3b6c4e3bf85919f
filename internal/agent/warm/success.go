package warm

import (
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/ordo-dev/ordo/internal/runner"
)

// successWithClaim is how soon the next claim must come for a run's
// success to ride on its write instead of a write of its own. A warm
// CronJob due every few seconds then writes its Lease once per slot (the
// claim) instead of twice, and the writes of the runs just finished no
// longer compete with the claims of a slot many CronJobs share; its
// lastSuccessfulTime shows a success at most this much later. A CronJob
// due less often writes each success at once, as before.
const successWithClaim = 10 * time.Second

// successes holds the newest successful slot not yet on the Lease; the
// loop's mutex guards it.
type successes struct {
	pending time.Time
	since   time.Time // when pending was set, from empty
	// flushing: a flush goroutine is watching pending (one per loop).
	flushing bool
}

// noteSuccess records a run's success: it rides on the next claim's
// write when the token is held here and that claim comes within
// successWithClaim; otherwise (or if no write took it by then) it is
// written on its own.
func (l *loop) noteSuccess(slot time.Time) {
	l.mu.Lock()
	sched := l.claiming
	now := l.cfg.Clock.Now()
	ride := sched != nil && !l.released
	if ride {
		next := sched.Next(now)
		ride = !next.IsZero() && next.Sub(now) <= successWithClaim
	}
	flush := false
	if ride {
		if l.success.pending.IsZero() {
			l.success.since = now
		}
		if slot.After(l.success.pending) {
			l.success.pending = slot
		}
		flush, l.success.flushing = !l.success.flushing, true
	}
	l.mu.Unlock()
	if !ride {
		l.writeSuccess(slot)
	} else if flush {
		go l.flushSuccesses()
	}
}

// flushSuccesses writes a success that no claim took within
// successWithClaim (the CronJob was suspended, or the token handed on).
// A Kill ends it: release writes what is pending.
func (l *loop) flushSuccesses() {
	wait := successWithClaim
	for {
		select {
		case <-l.runCtx.Done():
			return
		case <-l.cfg.Clock.After(wait):
		}
		l.mu.Lock()
		s := l.success
		now := l.cfg.Clock.Now()
		switch {
		case s.pending.IsZero():
			l.success.flushing = false
			l.mu.Unlock()
			return
		case now.Sub(s.since) >= successWithClaim:
			l.success = successes{}
			l.mu.Unlock()
			l.writeSuccess(s.pending)
			return
		}
		wait = successWithClaim - now.Sub(s.since)
		l.mu.Unlock()
	}
}

// takeSuccess returns the pending success and clears it.
func (l *loop) takeSuccess() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.success.pending
	l.success.pending = time.Time{}
	return s
}

// withSuccess puts the pending success onto lease (a copy about to be
// written) unless the Lease already shows a later one; it returns the
// slot put on, for putBackSuccess should the write fail.
func (l *loop) withSuccess(lease *coordinationv1.Lease) time.Time {
	s := l.takeSuccess()
	if s.IsZero() {
		return s
	}
	if last := lease.Annotations[runner.LastSuccessAnnotation]; last != "" && last >= stamp(s) {
		return time.Time{}
	}
	if lease.Annotations == nil {
		lease.Annotations = map[string]string{}
	}
	lease.Annotations[runner.LastSuccessAnnotation] = stamp(s)
	return s
}

// putBackSuccess keeps a success whose write failed pending again.
func (l *loop) putBackSuccess(s time.Time) {
	if s.IsZero() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.success.pending.IsZero() {
		l.success.since = l.cfg.Clock.Now()
	}
	if s.After(l.success.pending) {
		l.success.pending = s
	}
}

// writeSuccess moves the Lease's last success to slot, unless it shows a
// later one already.
func (l *loop) writeSuccess(slot time.Time) {
	for i := 0; i < 5; i++ {
		lease, err := l.readLease(context.Background(), i > 0)
		if err != nil {
			return
		}
		if last := lease.Annotations[runner.LastSuccessAnnotation]; last != "" && last >= stamp(slot) {
			return
		}
		if lease.Annotations == nil {
			lease.Annotations = map[string]string{}
		}
		lease.Annotations[runner.LastSuccessAnnotation] = stamp(slot)
		if _, err = l.writeLease(context.Background(), lease); !apierrors.IsConflict(err) {
			return
		}
	}
}
