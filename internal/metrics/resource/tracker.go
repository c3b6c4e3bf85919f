package resource

import (
	"sync"
	"time"
)

// Tracker keeps the last two samples of every cgroup it is shown, so a
// reader gets the CPU rate over the latest window. It is safe for
// concurrent use: the agent's sampler writes while its HTTPS server reads.
type Tracker struct {
	mu    sync.Mutex
	pairs map[string]pair
}

type pair struct {
	prev, cur Point
	hasPrev   bool
}

// NewTracker returns an empty Tracker.
func NewTracker() *Tracker {
	return &Tracker{pairs: map[string]pair{}}
}

// Observe records a sample of the cgroup key. The first sample of a key
// whose cgroup was made at madeAt (not zero, before p.Time) rates against
// a zero CPU time at madeAt: a new cgroup's counter starts at zero.
func (t *Tracker) Observe(key string, p Point, madeAt time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, ok := t.pairs[key]
	switch {
	case ok:
		t.pairs[key] = pair{prev: old.cur, cur: p, hasPrev: true}
	case !madeAt.IsZero() && madeAt.Before(p.Time):
		t.pairs[key] = pair{prev: Point{Time: madeAt}, cur: p, hasPrev: true}
	default:
		t.pairs[key] = pair{cur: p}
	}
}

// Usage is key's usage over its latest window; false when there is none.
func (t *Tracker) Usage(key string) (Usage, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	pr, ok := t.pairs[key]
	if !ok || !pr.hasPrev {
		return Usage{}, false
	}
	return Rate(pr.prev, pr.cur)
}

// Retain forgets every key keep does not want (cgroups gone since).
func (t *Tracker) Retain(keep func(key string) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.pairs {
		if !keep(k) {
			delete(t.pairs, k)
		}
	}
}
