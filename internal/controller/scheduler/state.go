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
	// nominated is pod key → the node a preemption made room on, kept
	// here as Kubernetes' scheduler keeps its nominator in memory: the
	// informer shows status.nominatedNodeName only after our status write
	// comes back, and a lower-priority pod placed in that window (a
	// victim's replacement) would take the room and be preempted again.
	nominated map[string]assumption
}

func newState() *state {
	return &state{assumed: map[string]assumption{}, failures: map[string]int{}, nominated: map[string]assumption{}}
}

// nominate records that pod key waits for room made on node. Call inside
// decide.
func (s *state) nominate(key string, pod *corev1.Pod, node string) {
	s.nominated[key] = assumption{uid: pod.UID, node: node}
}

// withNominations returns pods with the nominations made here applied to
// the pods the informer does not yet show nominated, as copies; pods is
// not changed. Call inside decide.
func (s *state) withNominations(pods []*corev1.Pod) []*corev1.Pod {
	if len(s.nominated) == 0 {
		return pods
	}
	out := make([]*corev1.Pod, len(pods))
	for i, p := range pods {
		out[i] = p
		n, ok := s.nominated[p.Namespace+"/"+p.Name]
		if ok && n.uid == p.UID && p.Status.NominatedNodeName != n.node {
			q := p.DeepCopy()
			q.Status.NominatedNodeName = n.node
			out[i] = q
		}
	}
	return out
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
	delete(s.nominated, key)
}

// failed counts one more failed attempt for key and returns the total.
func (s *state) failed(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[key]++
	return s.failures[key]
}
