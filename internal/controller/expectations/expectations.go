// Package expectations remembers, per controller key, the pod creations and
// deletions a controller made that its informer cache may not show yet, as
// Kubernetes' ControllerExpectations do. A sync that counted pods from a
// cache missing its own creations would create them twice; so a controller
// syncs a key only once its expectations are satisfied, or have waited
// longer than TTL (a lost watch event).
package expectations

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
)

// TTL is Kubernetes' ExpectationsTimeout.
const TTL = 5 * time.Minute

// Expectations is safe for concurrent use.
type Expectations struct {
	mu sync.Mutex
	m  map[string]*entry
}

type entry struct {
	creates int
	deletes sets.Set[types.UID]
	since   time.Time
}

// New returns empty expectations.
func New() *Expectations { return &Expectations{m: map[string]*entry{}} }

func (e *Expectations) entry(key string) *entry {
	x := e.m[key]
	if x == nil {
		x = &entry{deletes: sets.New[types.UID]()}
		e.m[key] = x
	}
	return x
}

// Satisfied: every expected creation and deletion has been observed, or
// the oldest is older than TTL.
func (e *Expectations) Satisfied(key string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.m[key]
	if x == nil || (x.creates <= 0 && x.deletes.Len() == 0) {
		return true
	}
	return now.Sub(x.since) > TTL
}

// ExpectCreations records n creations about to be made.
func (e *Expectations) ExpectCreations(key string, n int, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.entry(key)
	x.creates += n
	x.since = now
}

// CreationObserved counts one creation seen in the cache, or one that
// failed or was skipped.
func (e *Expectations) CreationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.m[key]; x != nil && x.creates > 0 {
		x.creates--
	}
}

// ExpectDeletion records the deletion of pod uid about to be made.
func (e *Expectations) ExpectDeletion(key string, uid types.UID, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.entry(key)
	x.deletes.Insert(uid)
	x.since = now
}

// DeletionObserved: the cache shows the pod terminating or gone, or its
// deletion failed.
func (e *Expectations) DeletionObserved(key string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.m[key]; x != nil {
		x.deletes.Delete(uid)
	}
}

// Forget drops a key whose controller is gone.
func (e *Expectations) Forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
