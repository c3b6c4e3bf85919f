package job

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"

	shared "github.com/ordo-dev/ordo/internal/controller/expectations"
)

// expectations are the shared pod creation and deletion expectations
// (a sync waits until the cache shows what the last one did), plus what
// only the Job controller needs: the pods whose tracking finalizer it
// removed and that the cache still shows with it, so a sync never counts
// such a pod twice.
type expectations struct {
	*shared.Expectations
	mu      sync.Mutex
	removed map[string]sets.Set[types.UID]
}

func newExpectations() *expectations {
	return &expectations{Expectations: shared.New(), removed: map[string]sets.Set[types.UID]{}}
}

func (e *expectations) expectFinalizerRemoved(key string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.removed[key] == nil {
		e.removed[key] = sets.New[types.UID]()
	}
	e.removed[key].Insert(uid)
}

// finalizerRemoved is called when the cache shows the pod without the
// finalizer, or gone, or the removal failed.
func (e *expectations) finalizerRemoved(key string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.removed[key].Delete(uid)
}

// removedFinalizers returns a copy of the pods whose finalizer removal the
// cache has not shown yet.
func (e *expectations) removedFinalizers(key string) sets.Set[types.UID] {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.removed[key]; s != nil {
		return s.Clone()
	}
	return sets.New[types.UID]()
}

// forget drops everything expected of a deleted Job.
func (e *expectations) forget(key string) {
	e.Forget(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.removed, key)
}
