package probe

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Kind names which of a container's three probes is meant; the value is the
// word Kubernetes uses in events and logs, lower-cased.
type Kind string

// The three probe kinds of a container.
const (
	Liveness  Kind = "liveness"
	Readiness Kind = "readiness"
	Startup   Kind = "startup"
)

// title is the kind as it starts an event message ("Liveness probe failed: …").
func (k Kind) title() string {
	switch k {
	case Liveness:
		return "Liveness"
	case Readiness:
		return "Readiness"
	case Startup:
		return "Startup"
	}
	return string(k)
}

// Result is the outcome of one attempt, or a worker's thresholded verdict.
// Unknown is the zero value so that an attempt that could not be judged
// (bad port name, unsupported handler, cancelled) never counts either way.
type Result int

// The possible results.
const (
	Unknown Result = iota
	Success
	Failure
)

// String is for logs and test failures.
func (r Result) String() string {
	switch r {
	case Success:
		return "Success"
	case Failure:
		return "Failure"
	}
	return "Unknown"
}

// ExecFunc runs cmd inside the container (the agent enters the container's
// namespaces) and returns its exit code and combined output. It must stop
// when ctx is done: that is how the probe's timeoutSeconds is enforced.
type ExecFunc func(ctx context.Context, cmd []string) (exitCode int, output []byte, err error)

// Target is how to reach one container.
type Target struct {
	// PodIP is the default host for httpGet and tcpSocket probes.
	PodIP string
	// Container resolves named ports; it may be nil when ports are numbers.
	Container *corev1.Container
	// Exec runs exec probes; nil makes exec probes error (Unknown).
	Exec func(ctx context.Context, cmd []string) (int, []byte, error)
}

// The API server defaults these fields; they are repeated here so that a
// probe built in code (or by a test) behaves the same as one read from the API.
const (
	defaultPeriod           = 10 * time.Second
	defaultTimeout          = 1 * time.Second
	defaultSuccessThreshold = 1
	defaultFailureThreshold = 3
)

// timing is a probe's schedule and thresholds, defaulted and in Go units.
type timing struct {
	initialDelay time.Duration
	period       time.Duration
	timeout      time.Duration
	success      int // consecutive successes to flip to Success
	failure      int // consecutive failures to flip to Failure
}

// timingOf reads p's timing fields, filling in Kubernetes' defaults for
// unset (zero or negative) ones. Liveness and startup probes always use a
// success threshold of 1, which is all validation lets through for them.
func timingOf(kind Kind, p *corev1.Probe) timing {
	if p == nil {
		p = &corev1.Probe{}
	}
	t := timing{
		initialDelay: seconds(p.InitialDelaySeconds, 0),
		period:       seconds(p.PeriodSeconds, defaultPeriod),
		timeout:      seconds(p.TimeoutSeconds, defaultTimeout),
		success:      count(p.SuccessThreshold, defaultSuccessThreshold),
		failure:      count(p.FailureThreshold, defaultFailureThreshold),
	}
	if kind != Readiness {
		t.success = 1
	}
	return t
}

// threshold is how many attempts in a row must return r before it counts.
func (t timing) threshold(r Result) int {
	if r == Success {
		return t.success
	}
	return t.failure
}

func seconds(v int32, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return time.Duration(v) * time.Second
}

func count(v int32, def int) int {
	if v <= 0 {
		return def
	}
	return int(v)
}
