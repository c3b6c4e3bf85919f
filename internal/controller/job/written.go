package job

import (
	"slices"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
)

// writtenStatus remembers, per Job, the object our last status write
// returned until the informer shows it. Pod events often arrive before the
// Job's own update event; a sync reading the older Job from the cache would
// only fail its write with a conflict and wait out a retry back-off, which
// at hundreds of pods per second is most of the time.
type writtenStatus struct {
	mu   sync.Mutex
	jobs map[string]written
}

type written struct {
	// superseded are the resourceVersions our writes replaced since the
	// cache last caught up: the cache showing any of them is behind.
	superseded []string
	job        *batchv1.Job
}

// maxSuperseded bounds the record of a cache that never catches up.
const maxSuperseded = 64

func newWrittenStatus() *writtenStatus { return &writtenStatus{jobs: map[string]written{}} }

// latest returns our written Job while the cache still shows the version
// it replaced, and the cached Job otherwise (the cache caught up, or
// someone else wrote since, and a conflict will tell).
func (w *writtenStatus) latest(key string, cached *batchv1.Job) *batchv1.Job {
	w.mu.Lock()
	defer w.mu.Unlock()
	e, ok := w.jobs[key]
	if !ok {
		return cached
	}
	if e.job.UID == cached.UID && slices.Contains(e.superseded, cached.ResourceVersion) {
		return e.job
	}
	delete(w.jobs, key)
	return cached
}

func (w *writtenStatus) wrote(key, before string, job *batchv1.Job) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.jobs[key]
	if e.job == nil || e.job.UID != job.UID || len(e.superseded) >= maxSuperseded {
		e.superseded = nil
	}
	w.jobs[key] = written{superseded: append(e.superseded, before), job: job}
}

func (w *writtenStatus) forget(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.jobs, key)
}
