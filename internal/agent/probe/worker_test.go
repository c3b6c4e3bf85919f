package probe

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	testingclock "k8s.io/utils/clock/testing"
)

type report struct {
	result Result
	msg    string
}

// harness runs a Worker on a fake clock against a scripted exec probe. Time
// only moves when the test steps the clock; the test only waits (briefly,
// on the wall clock) for the worker's goroutine to catch up.
type harness struct {
	t       *testing.T
	clock   *testingclock.FakeClock
	worker  *Worker
	codes   chan int // exit codes the probe command returns, in order
	calls   atomic.Int32
	started atomic.Bool
	mu      sync.Mutex
	reports []report
	news    chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
}

func startWorker(t *testing.T, kind Kind, p corev1.Probe, gated bool, codes ...int) *harness {
	h := &harness{t: t, clock: testingclock.NewFakeClock(anchor), codes: make(chan int, len(codes)),
		news: make(chan struct{}, 100), done: make(chan struct{})}
	for _, c := range codes {
		h.codes <- c
	}
	p.Exec = &corev1.ExecAction{Command: []string{"check"}}
	cfg := WorkerConfig{Kind: kind, Probe: &p, Clock: h.clock, Target: Target{Exec: h.exec}, OnResult: h.onResult}
	if gated {
		cfg.Started = h.started.Load
	}
	h.worker = NewWorker(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() { defer close(h.done); h.worker.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-h.done })
	return h
}

func (h *harness) exec(ctx context.Context, cmd []string) (int, []byte, error) {
	h.calls.Add(1)
	select {
	case c := <-h.codes:
		return c, []byte("exit " + strconv.Itoa(c)), nil
	default:
		h.t.Errorf("unexpected probe attempt at %v", h.clock.Now().Sub(anchor))
		return 0, nil, nil
	}
}

func (h *harness) onResult(k Kind, r Result, msg string) {
	h.mu.Lock()
	h.reports = append(h.reports, report{r, msg})
	h.mu.Unlock()
	h.news <- struct{}{}
}

// idle waits until the worker sleeps on the clock: every attempt due so far
// has run and been reported.
func (h *harness) idle() {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !h.clock.HasWaiters() {
		if time.Now().After(deadline) {
			h.t.Fatal("worker never went back to sleep")
		}
		time.Sleep(time.Millisecond)
	}
}

// step moves the fake clock on once the worker sleeps, then waits for it to
// sleep again.
func (h *harness) step(d time.Duration) {
	h.t.Helper()
	h.idle()
	h.clock.Step(d)
	h.idle()
}

func (h *harness) check(calls int, want ...Result) {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if got := int(h.calls.Load()); got != calls {
		h.t.Errorf("%d attempts, want %d", got, calls)
	}
	var got []Result
	for _, r := range h.reports {
		got = append(got, r.result)
	}
	if !slices.Equal(got, want) {
		h.t.Errorf("reports %v, want %v", got, want)
	}
}

// message is the message of the i-th report.
func (h *harness) message(i int) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reports[i].msg
}

const period = 10 * time.Second

func TestWorkerReadiness(t *testing.T) {
	h := startWorker(t, Readiness, corev1.Probe{PeriodSeconds: 10, FailureThreshold: 3}, false, 1, 1, 1, 0, 0, 1)
	h.idle() // the first attempt runs at once
	h.check(1)
	h.step(period)
	h.step(period)
	h.check(3, Failure) // first settled result
	h.step(period)
	h.step(period)
	h.check(5, Failure, Success) // no repeat for the 5th success
	h.step(period)
	h.check(6, Failure, Success) // one failure is below the threshold
}

func TestWorkerInitialDelay(t *testing.T) {
	h := startWorker(t, Readiness, corev1.Probe{InitialDelaySeconds: 15, PeriodSeconds: 10}, false, 0, 0)
	h.step(10 * time.Second)
	h.check(0)
	h.step(5 * time.Second) // 15 s: the first attempt
	h.check(1, Success)
	h.step(9 * time.Second)
	h.check(1, Success)
	h.step(time.Second) // 25 s: one period later
	h.check(2, Success)
}

func TestWorkerLivenessKill(t *testing.T) {
	h := startWorker(t, Liveness, corev1.Probe{PeriodSeconds: 10, FailureThreshold: 2}, false, 0, 1, 1)
	h.step(period)
	h.step(period)
	h.check(3, Success, Failure)
	if msg := h.message(1); !strings.HasPrefix(msg, "Liveness probe failed: exit 1") {
		t.Errorf("kill message %q", msg)
	}
	h.step(period) // after a kill verdict: no more attempts
	h.step(period)
	h.check(3, Success, Failure)
}

func TestWorkerStartupStopsAfterSuccess(t *testing.T) {
	h := startWorker(t, Startup, corev1.Probe{PeriodSeconds: 1, FailureThreshold: 30}, true, 1, 1, 0)
	h.step(time.Second) // the startup probe does not wait for itself
	h.step(time.Second)
	h.check(3, Success)
	h.step(time.Second)
	h.check(3, Success)
}

// TestWorkerStartupGate: readiness does not probe before the startup probe
// succeeded, and Trigger probes at once when it has.
func TestWorkerStartupGate(t *testing.T) {
	h := startWorker(t, Readiness, corev1.Probe{PeriodSeconds: 10}, true, 0)
	h.step(period)
	h.step(period)
	h.check(0)
	h.started.Store(true)
	h.worker.Trigger()
	select {
	case <-h.news:
	case <-time.After(5 * time.Second):
		t.Fatal("Trigger did not probe")
	}
	h.idle()
	h.check(1, Success)
	if now := h.clock.Now(); !now.Equal(anchor.Add(2 * period)) {
		t.Errorf("clock moved to %v", now.Sub(anchor))
	}
}

func TestWorkerStops(t *testing.T) {
	h := startWorker(t, Liveness, corev1.Probe{PeriodSeconds: 10}, false, 0)
	h.idle()
	h.stop()
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
