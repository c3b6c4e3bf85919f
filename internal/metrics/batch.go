// Package metrics holds the Prometheus collectors of ordo's batch
// controllers. They are plain structs, created once by the server and handed
// to each controller through its Config, so tests can build controllers
// without touching a global registry; every method is a no-op on a nil
// receiver, which is what a controller gets when no metrics are wanted.
//
// Names follow kube-controller-manager's where one exists
// (job_controller_jobs_finished_total,
// cronjob_controller_job_creation_skew_duration_seconds); ordo's additions
// are prefixed ordo_.
package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"
)

// Stages of a CronJob run whose lag behind the scheduled instant is
// measured, and the modes a CronJob runs in: a Job per slot, or a warm
// runner pod (ordo.dev/runner: warm).
const (
	StageJobCreated = "job_created"
	StagePodRunning = "pod_running"
	StageRunStarted = "run_started"
	ModeJob         = "job"
	ModeWarm        = "warm"
)

var (
	defaultOnce  sync.Once
	defaultBatch *Batch
)

// Default is the process's Batch, registered on the API server's /metrics
// on first use, so the controllers and an agent running in the same
// process share one set of collectors.
func Default() *Batch {
	defaultOnce.Do(func() {
		defaultBatch = NewBatch()
		if err := defaultBatch.Register(legacyregistry.Registerer()); err != nil {
			klog.Errorf("metrics: %v", err)
		}
	})
	return defaultBatch
}

// lagBuckets reach from 1 ms to about 65 s: ordo aims at milliseconds, and
// the upper buckets still tell a late run from a very late one.
var lagBuckets = prometheus.ExponentialBuckets(0.001, 2, 17)

// Batch is the set of Job and CronJob controller metrics.
type Batch struct {
	creationSkew *prometheus.HistogramVec
	fireLag      *prometheus.HistogramVec
	missedRuns   *prometheus.CounterVec
	skippedRuns  *prometheus.CounterVec
	jobsFinished *prometheus.CounterVec
	warmRuns     *prometheus.CounterVec
	handoffs     prometheus.Counter
}

// NewBatch creates the collectors; Register exposes them.
func NewBatch() *Batch {
	return &Batch{
		creationSkew: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Subsystem: "cronjob_controller",
			Name:      "job_creation_skew_duration_seconds",
			Help:      "Time between when a cronjob is scheduled to be run, and when the corresponding job is created",
			Buckets:   lagBuckets,
		}, nil),
		fireLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ordo_cronjob_fire_lag_seconds",
			Help:    "Time from a CronJob run's scheduled instant to a stage of that run: its Job created or its first pod running (mode job), its command started in the runner pod (mode warm).",
			Buckets: lagBuckets,
		}, []string{"stage", "mode"}),
		missedRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ordo_cronjob_missed_runs_total",
			Help: "Scheduled CronJob runs that never started, by reason.",
		}, []string{"reason"}),
		skippedRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ordo_cronjob_skipped_runs_total",
			Help: "Scheduled CronJob runs skipped on purpose (concurrencyPolicy Forbid, suspend), by reason.",
		}, []string{"reason"}),
		jobsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Subsystem: "job_controller",
			Name:      "jobs_finished_total",
			Help:      "The number of finished jobs",
		}, []string{"completion_mode", "result", "reason"}),
		warmRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ordo_cronjob_warm_runs_total",
			Help: "Runs of warm CronJobs' slots in their runner pods, by outcome (succeeded, failed, start_error).",
		}, []string{"outcome"}),
		handoffs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ordo_cronjob_warm_handoffs_total",
			Help: "Runner tokens taken over by a warm CronJob's next runner pod (rotation, template change, or a lost runner).",
		}),
	}
}

// Register adds every collector to r.
func (b *Batch) Register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{b.creationSkew, b.fireLag, b.missedRuns, b.skippedRuns, b.jobsFinished, b.warmRuns, b.handoffs} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// JobCreated records that the Job of a run scheduled at scheduled was
// created at now.
func (b *Batch) JobCreated(scheduled, now time.Time) {
	if b == nil {
		return
	}
	lag := now.Sub(scheduled).Seconds()
	b.creationSkew.WithLabelValues().Observe(lag)
	b.fireLag.WithLabelValues(StageJobCreated, ModeJob).Observe(lag)
}

// PodRunning records that the first pod of a run scheduled at scheduled
// was seen running at now.
func (b *Batch) PodRunning(scheduled, now time.Time) {
	if b == nil {
		return
	}
	b.fireLag.WithLabelValues(StagePodRunning, ModeJob).Observe(now.Sub(scheduled).Seconds())
}

// Missed counts runs that did not start, for reason (e.g. "TooLate").
func (b *Batch) Missed(reason string, n int) {
	if b == nil || n <= 0 {
		return
	}
	b.missedRuns.WithLabelValues(reason).Add(float64(n))
}

// Skipped counts runs skipped by policy, for reason (e.g. "ConcurrencyPolicyForbid").
func (b *Batch) Skipped(reason string) {
	if b == nil {
		return
	}
	b.skippedRuns.WithLabelValues(reason).Inc()
}

// JobFinished counts a Job that reached a terminal condition: result is
// "succeeded" or "failed", reason the condition's reason ("" for success),
// completionMode NonIndexed or Indexed.
func (b *Batch) JobFinished(completionMode, result, reason string) {
	if b == nil {
		return
	}
	b.jobsFinished.WithLabelValues(completionMode, result, reason).Inc()
}

// WarmRunStarted records that a warm runner started the command of the
// slot scheduled at scheduled at now.
func (b *Batch) WarmRunStarted(scheduled, now time.Time) {
	if b == nil {
		return
	}
	b.fireLag.WithLabelValues(StageRunStarted, ModeWarm).Observe(now.Sub(scheduled).Seconds())
}

// WarmRunFinished counts a warm run by outcome.
func (b *Batch) WarmRunFinished(outcome string) {
	if b == nil {
		return
	}
	b.warmRuns.WithLabelValues(outcome).Inc()
}

// WarmHandoff counts a runner token taken over.
func (b *Batch) WarmHandoff() {
	if b == nil {
		return
	}
	b.handoffs.Inc()
}
