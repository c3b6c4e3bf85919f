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
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Stages of a CronJob run whose lag behind the scheduled instant is measured.
const (
	StageJobCreated = "job_created"
	StagePodRunning = "pod_running"
)

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
			Help:    "Time from a CronJob run's scheduled instant to a stage of that run: its Job created, or its first pod running.",
			Buckets: lagBuckets,
		}, []string{"stage"}),
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
	}
}

// Register adds every collector to r.
func (b *Batch) Register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{b.creationSkew, b.fireLag, b.missedRuns, b.skippedRuns, b.jobsFinished} {
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
	b.fireLag.WithLabelValues(StageJobCreated).Observe(lag)
}

// PodRunning records that the first pod of a run scheduled at scheduled
// was seen running at now.
func (b *Batch) PodRunning(scheduled, now time.Time) {
	if b == nil {
		return
	}
	b.fireLag.WithLabelValues(StagePodRunning).Observe(now.Sub(scheduled).Seconds())
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
