package runner

import batchv1 "k8s.io/api/batch/v1"

// Admission is what a runner does with a due slot given the runs of
// earlier slots still going.
type Admission int

const (
	// Start the run.
	Start Admission = iota
	// Skip the slot (Forbid with a run going); an event says so.
	Skip
	// ReplaceRunning: kill the runs going, then start (Replace).
	ReplaceRunning
)

// Admit applies concurrencyPolicy inside the runner, as the CronJob
// controller applies it to Jobs.
func Admit(policy batchv1.ConcurrencyPolicy, running int) Admission {
	if running == 0 {
		return Start
	}
	switch policy {
	case batchv1.ForbidConcurrent:
		return Skip
	case batchv1.ReplaceConcurrent:
		return ReplaceRunning
	}
	return Start
}
