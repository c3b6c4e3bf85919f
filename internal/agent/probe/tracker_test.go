package probe

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

var anchor = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	S = Success
	F = Failure
	U = Unknown
	_ = U
)

// TestObserve feeds raw attempt results in and checks what gets reported
// after each one (Unknown = nothing reported) and whether probing stops.
func TestObserve(t *testing.T) {
	tests := []struct {
		name       string
		kind       Kind
		succ, fail int32
		attempts   []Result
		reports    []Result // one per attempt; U = no report
		done       bool
	}{
		{"readiness first success reported", Readiness, 1, 3,
			[]Result{S, S, S}, []Result{S, U, U}, false},
		{"readiness needs successThreshold in a row", Readiness, 2, 3,
			[]Result{S, F, S, S, S}, []Result{U, U, U, S, U}, false},
		{"readiness failures flip back after failureThreshold", Readiness, 1, 2,
			[]Result{S, F, S, F, F, F, S}, []Result{S, U, U, U, F, U, S}, false},
		{"readiness first settled failure reported once", Readiness, 1, 3,
			[]Result{F, F, F, F}, []Result{U, U, F, U}, false},
		{"unknown neither counts nor breaks a run", Readiness, 1, 3,
			[]Result{F, U, F, U, F}, []Result{U, U, U, U, F}, false},
		{"liveness kill after failureThreshold in a row", Liveness, 1, 3,
			[]Result{S, F, F, S, F, F, F, F}, []Result{S, U, U, U, U, U, F, U}, true},
		{"liveness ignores successThreshold", Liveness, 5, 1,
			[]Result{S}, []Result{S}, false},
		{"liveness failure first", Liveness, 1, 1,
			[]Result{F, S}, []Result{F, U}, true},
		{"startup success is final", Startup, 1, 3,
			[]Result{F, F, S, F, F, F}, []Result{U, U, S, U, U, U}, true},
		{"startup failure kills", Startup, 1, 2,
			[]Result{F, F}, []Result{U, F}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tm := timingOf(tc.kind, &corev1.Probe{SuccessThreshold: tc.succ, FailureThreshold: tc.fail})
			tr := newTracker(tc.kind, tm, anchor)
			for i, r := range tc.attempts {
				got := U
				if tr.observe(r) {
					got = tr.current
				}
				if got != tc.reports[i] {
					t.Errorf("attempt %d (%v): reported %v, want %v", i, r, got, tc.reports[i])
				}
			}
			if tr.done != tc.done {
				t.Errorf("done = %v, want %v", tr.done, tc.done)
			}
		})
	}
}

func TestInitialResult(t *testing.T) {
	for kind, want := range map[Kind]Result{Readiness: F, Liveness: S, Startup: U} {
		if got := newTracker(kind, timing{}, anchor).current; got != want {
			t.Errorf("%s starts as %v, want %v", kind, got, want)
		}
	}
}

// TestDue covers the initial delay, the startup gate and the stop after a
// final verdict.
func TestDue(t *testing.T) {
	tests := []struct {
		name    string
		kind    Kind
		at      time.Duration // since the container started
		started bool
		done    bool
		want    bool
	}{
		{"inside initial delay", Readiness, 4 * time.Second, true, false, false},
		{"initial delay over", Readiness, 5 * time.Second, true, false, true},
		{"liveness waits for startup", Liveness, time.Minute, false, false, false},
		{"readiness waits for startup", Readiness, time.Minute, false, false, false},
		{"startup does not wait for itself", Startup, 5 * time.Second, false, false, true},
		{"startup honours initial delay", Startup, time.Second, false, false, false},
		{"nothing after a verdict", Liveness, time.Minute, true, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker(tc.kind, timing{initialDelay: 5 * time.Second, period: time.Second}, anchor)
			tr.done = tc.done
			if got := tr.due(anchor.Add(tc.at), tc.started); got != tc.want {
				t.Errorf("due = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	tr := newTracker(Liveness, timing{initialDelay: 5 * time.Second, period: 10 * time.Second}, anchor)
	at := func(d time.Duration) time.Time { return anchor.Add(d) }
	tests := []struct {
		name      string
		got, want time.Time
	}{
		{"first waits for the delay", tr.firstAttempt(at(time.Second)), at(5 * time.Second)},
		{"first now when delay passed", tr.firstAttempt(at(time.Minute)), at(time.Minute)},
		{"next is one period on", tr.nextAttempt(at(5*time.Second), at(6*time.Second)), at(15 * time.Second)},
		{"next at exactly the slot", tr.nextAttempt(at(5*time.Second), at(5*time.Second)), at(15 * time.Second)},
		{"slow attempt skips missed slots", tr.nextAttempt(at(5*time.Second), at(31*time.Second)), at(35 * time.Second)},
		{"early trigger keeps the slot", tr.nextAttempt(at(15*time.Second), at(7*time.Second)), at(15 * time.Second)},
	}
	for _, tc := range tests {
		if !tc.got.Equal(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got.Sub(anchor), tc.want.Sub(anchor))
		}
	}
}

func TestTimingDefaults(t *testing.T) {
	got := timingOf(Readiness, nil)
	want := timing{period: 10 * time.Second, timeout: time.Second, success: 1, failure: 3}
	if got != want {
		t.Errorf("defaults = %+v, want %+v", got, want)
	}
}
