package dashboard

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// lastSeen is an event's LAST SEEN time as kubectl computes it: the
// series' last observation, else lastTimestamp, else eventTime, else its
// creation.
func lastSeen(e *corev1.Event) time.Time {
	switch {
	case e.Series != nil:
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}
