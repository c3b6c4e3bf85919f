package agent

import "time"

// Kubernetes' crash-loop back-off: 10 s after the first crash, doubling,
// at most 5 minutes; a container that ran for 10 minutes starts over.
const (
	backoffInitial = 10 * time.Second
	backoffMax     = 5 * time.Minute
	backoffReset   = 10 * time.Minute
)

// restartDelay is how long to wait before restarting a container that has
// crashed `crashes` times in a row (crashes >= 1).
func restartDelay(crashes int) time.Duration {
	d := backoffInitial
	for i := 1; i < crashes && d < backoffMax; i++ {
		d *= 2
	}
	if d > backoffMax {
		d = backoffMax
	}
	return d
}

// nextCrashes counts a new crash: the streak resets when the container had
// been running for backoffReset or longer.
func nextCrashes(previous int, ranFor time.Duration) int {
	if ranFor >= backoffReset {
		return 1
	}
	return previous + 1
}
