package probe

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
)

// WorkerConfig is everything one Worker needs.
type WorkerConfig struct {
	Kind   Kind
	Probe  *corev1.Probe
	Target Target
	// Clock schedules attempts; a fake clock in tests. Nil means the real clock.
	Clock clock.WithTicker
	// StartedAt is when the container started; initialDelaySeconds counts
	// from it. Zero means when Run is called.
	StartedAt time.Time
	// OnResult is called when the probe's thresholded result changes (and
	// once for the first settled result), e.g. readiness becoming Success, or
	// liveness reaching failureThreshold consecutive failures (Failure) —
	// with the message of the last attempt. It runs on the worker's
	// goroutine: it must not block for long.
	OnResult func(Kind, Result, string)
	// Started reports whether the startup probe has succeeded (liveness and
	// readiness wait for it); nil means there is no startup probe.
	Started func() bool
}

// Worker runs one probe of one container run on its period until stopped,
// and reports changes. After a kill verdict (liveness or startup Failure) or
// a startup Success it stops probing: the agent cancels it, and starts a new
// Worker for the restarted container.
type Worker struct {
	c       WorkerConfig
	trigger chan struct{}
}

// NewWorker fills in defaults; Run starts the probing.
func NewWorker(c WorkerConfig) *Worker {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.OnResult == nil {
		c.OnResult = func(Kind, Result, string) {}
	}
	if c.Started == nil {
		c.Started = func() bool { return true }
	}
	return &Worker{c: c, trigger: make(chan struct{}, 1)}
}

// Trigger asks for an attempt now instead of at the next period, e.g. for
// readiness right after the startup probe succeeded. The period grid is
// unchanged. It never blocks; triggers made while one is pending merge.
func (w *Worker) Trigger() {
	select {
	case w.trigger <- struct{}{}:
	default:
	}
}

// Run probes until ctx is done: decide (tracker) then do (Do, OnResult).
func (w *Worker) Run(ctx context.Context) {
	clk := w.c.Clock
	started := w.c.StartedAt
	if started.IsZero() {
		started = clk.Now()
	}
	tr := newTracker(w.c.Kind, timingOf(w.c.Kind, w.c.Probe), started)
	for next := tr.firstAttempt(clk.Now()); w.wait(ctx, next); {
		w.attempt(ctx, tr)
		next = tr.nextAttempt(next, clk.Now())
	}
}

// attempt runs one probe if the tracker says it is due, and reports news.
func (w *Worker) attempt(ctx context.Context, tr *tracker) {
	if !tr.due(w.c.Clock.Now(), w.c.Started()) {
		return
	}
	r, msg := Do(ctx, w.c.Kind, w.c.Probe, w.c.Target)
	if ctx.Err() != nil {
		return // stopping: an interrupted attempt proves nothing
	}
	if tr.observe(r) {
		w.c.OnResult(w.c.Kind, tr.current, msg)
	}
}

// wait blocks until at, a Trigger, or ctx is done; false means stop.
func (w *Worker) wait(ctx context.Context, at time.Time) bool {
	if ctx.Err() != nil {
		return false
	}
	d := at.Sub(w.c.Clock.Now())
	if d <= 0 {
		return true
	}
	t := w.c.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	case <-w.trigger:
		return true
	}
}
