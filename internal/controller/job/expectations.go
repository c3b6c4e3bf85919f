package job

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
)

// expectationsTTL bounds how long a Job waits for pod events that may have
// been lost (a watch that broke and relisted); after it the cache is
// trusted again, as in Kubernetes.
const expectationsTTL = 5 * time.Minute

// expectations record, per Job key, what this process did to pods that the
// informer cache may not show yet. A sync that counted pods from a cache
// missing its own creations would create them twice.
type expectations struct {
	mu   sync.Mutex
	jobs map[string]*expected
}

type expected struct {
	creates int
	deletes sets.Set[types.UID]
	since   time.Time
	// removed are pods whose finalizer removal succeeded (or is under way)
	// and that the cache still shows with it.
	removed sets.Set[types.UID]
}

func newExpectations() *expectations { return &expectations{jobs: map[string]*expected{}} }

func (e *expectations) entry(key string) *expected {
	x := e.jobs[key]
	if x == nil {
		x = &expected{deletes: sets.New[types.UID](), removed: sets.New[types.UID]()}
		e.jobs[key] = x
	}
	return x
}

// satisfied: every creation and deletion has been seen, or waited for
// longer than expectationsTTL.
func (e *expectations) satisfied(key string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.jobs[key]
	if x == nil || (x.creates <= 0 && x.deletes.Len() == 0) {
		return true
	}
	return now.Sub(x.since) > expectationsTTL
}

func (e *expectations) expectCreates(key string, n int, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.entry(key)
	x.creates += n
	x.since = now
}

// created is called for each pod of the Job the cache shows appearing, and
// for each create that failed or was skipped.
func (e *expectations) created(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.jobs[key]; x != nil && x.creates > 0 {
		x.creates--
	}
}

func (e *expectations) expectDelete(key string, uid types.UID, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.entry(key)
	x.deletes.Insert(uid)
	x.since = now
}

// deleted is called when the cache shows the pod being deleted or gone,
// or its deletion failed.
func (e *expectations) deleted(key string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.jobs[key]; x != nil {
		x.deletes.Delete(uid)
	}
}

func (e *expectations) expectFinalizerRemoved(key string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.entry(key).removed.Insert(uid)
}

// finalizerRemoved is called when the cache shows the pod without the
// finalizer, or gone, or the removal failed.
func (e *expectations) finalizerRemoved(key string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.jobs[key]; x != nil {
		x.removed.Delete(uid)
	}
}

// removedFinalizers returns a copy of the pods whose finalizer removal the
// cache has not shown yet.
func (e *expectations) removedFinalizers(key string) sets.Set[types.UID] {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.jobs[key]; x != nil {
		return x.removed.Clone()
	}
	return sets.New[types.UID]()
}

func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.jobs, key)
}
