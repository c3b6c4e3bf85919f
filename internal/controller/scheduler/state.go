package scheduler

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// assumption is a binding this process made that the informer has not
// echoed yet.
type assumption struct {
	uid  types.UID
	node string
	pod  *corev1.Pod // as bound, for the resources and affinity it takes
}

// state is what the scheduler remembers between syncs. The informer lags
// behind our own bindings, so without assumptions a burst of pods (a Job's
// parallelism) would all see the same load and land on one node. The
// mutex also serialises decisions between workers for the same reason.
type state struct {
	mu       sync.Mutex
	assumed  map[string]assumption // pod key → binding not yet seen
	failures map[string]int        // pod key → failed attempts in a row
}

func newState() *state {
	return &state{assumed: map[string]assumption{}, failures: map[string]int{}}
}

// decide runs fn under the lock, so a decision and its assumption are
// atomic with respect to other workers.
func (s *state) decide(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
}

// assume records a binding about to be made. Call inside decide.
func (s *state) assume(key string, pod *corev1.Pod, node string) {
	bound := pod.DeepCopy()
	bound.Spec.NodeName = node
	s.assumed[key] = assumption{uid: pod.UID, node: node, pod: bound}
}

// isAssumed says whether pod key with uid was already bound by us. It is
// how a requeued pod whose binding the informer has not shown is skipped.
func (s *state) isAssumed(key string, uid types.UID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.assumed[key]
	return ok && a.uid == uid
}

// addAssumed adds the assumed pods to placed. Call inside decide.
func (s *state) addAssumed(placed map[string][]*corev1.Pod) {
	for _, a := range s.assumed {
		placed[a.node] = append(placed[a.node], a.pod)
	}
}

// unassume drops a binding that did not happen (or was someone else's).
func (s *state) unassume(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.assumed, key)
}

// forget drops what is known about key: the informer now shows the pod
// bound (its load is counted from the cache) or gone.
func (s *state) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.assumed, key)
	delete(s.failures, key)
}

// failed counts one more failed attempt for key and returns the total.
func (s *state) failed(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[key]++
	return s.failures[key]
}
