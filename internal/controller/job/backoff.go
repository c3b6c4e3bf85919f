package job

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Kubernetes' pod failure back-off: the n-th consecutive failure delays the
// next pod by 10 s × 2^(n-1), at most 6 minutes.
const (
	backoffBase = 10 * time.Second
	backoffMax  = 6 * time.Minute
)

// backoffRecord remembers a Job's failures since its last success; it lives
// in memory only, as in Kubernetes (a restarted controller forgets it).
type backoffRecord struct {
	failures    int32
	lastFailure time.Time
}

// next folds newly finished pods into the record. A success resets the
// count; failures after the last success (by finish time) still count.
func (r backoffRecord) next(succeeded, failed []*corev1.Pod) backoffRecord {
	if len(failed) == 0 {
		if len(succeeded) > 0 {
			return backoffRecord{}
		}
		return r
	}
	failed = append([]*corev1.Pod(nil), failed...)
	sortByFinish(failed)
	if len(succeeded) == 0 {
		return backoffRecord{failures: r.failures + int32(len(failed)), lastFailure: finishedAt(failed[len(failed)-1])}
	}
	var lastSuccess time.Time
	for _, p := range succeeded {
		if t := finishedAt(p); t.After(lastSuccess) {
			lastSuccess = t
		}
	}
	out := backoffRecord{}
	for i := len(failed) - 1; i >= 0; i-- {
		t := finishedAt(failed[i])
		if !t.After(lastSuccess) {
			break
		}
		if out.failures == 0 {
			out.lastFailure = t
		}
		out.failures++
	}
	return out
}

// remaining is how long pod creation must still wait at now.
func (r backoffRecord) remaining(now time.Time) time.Duration {
	return backoffLeft(r.failures, r.lastFailure, now)
}

// backoffLeft is the wait after failures consecutive failures, the last at
// last.
func backoffLeft(failures int32, last, now time.Time) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := backoffBase
	for i := int32(1); i < failures && d < backoffMax; i++ {
		d *= 2
	}
	d = min(d, backoffMax)
	if elapsed := now.Sub(last); elapsed < d {
		return d - elapsed
	}
	return 0
}

// backoffStore holds the records by Job key.
type backoffStore struct {
	mu      sync.Mutex
	records map[string]backoffRecord
}

func newBackoffStore() *backoffStore { return &backoffStore{records: map[string]backoffRecord{}} }

func (s *backoffStore) get(key string) backoffRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.records[key]
}

func (s *backoffStore) set(key string, r backoffRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r == (backoffRecord{}) {
		delete(s.records, key)
		return
	}
	s.records[key] = r
}

func (s *backoffStore) forget(key string) { s.set(key, backoffRecord{}) }
