package scheduler

import (
	"sync"
	"time"

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
	mu      sync.Mutex
	assumed map[string]assumption // pod key → binding not yet seen
	// waiting is pod key → a pod no node fitted at its last attempt: the
	// unschedulable set (parked ones) and the back-off of moved ones.
	waiting map[string]*waiting
	// moves counts the cluster events seen, so an attempt can tell that
	// one arrived while it ran (Kubernetes' moveRequestCycle): its pod is
	// then not parked, or the event would be lost to it.
	moves uint64
	// nominated is pod key → the node a preemption made room on, kept
	// here as Kubernetes' scheduler keeps its nominator in memory: the
	// informer shows status.nominatedNodeName only after our status write
	// comes back, and a lower-priority pod placed in that window (a
	// victim's replacement) would take the room and be preempted again.
	nominated map[string]assumption
}

func newState() *state {
	return &state{assumed: map[string]assumption{}, waiting: map[string]*waiting{}, nominated: map[string]assumption{}}
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
	delete(s.waiting, key)
	delete(s.nominated, key)
}

// begin starts an attempt at pod key: it returns how long the pod must
// still wait (parked, or in its back-off) and, when it need not, the
// event count to hand to park. A pod of another uid under the same name
// starts afresh.
func (s *state) begin(key string, pod *corev1.Pod, now time.Time) (wait time.Duration, cycle uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.waiting[key]
	if !ok || w.pod.UID != pod.UID {
		w = &waiting{pod: pod}
		s.waiting[key] = w
	}
	if wait = w.retryIn(now); wait > 0 {
		return wait, 0
	}
	w.parked, w.moved = false, false
	return 0, s.moves
}

// park records a failed attempt at pod key that began at event count
// cycle, and returns how long until it is tried again unless an event
// moves it: maxWaitUnschedulable, or only its back-off when an event
// arrived during the attempt.
func (s *state) park(key string, pod *corev1.Pod, now time.Time, cycle uint64) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.waiting[key]
	if !ok || w.pod.UID != pod.UID {
		w = &waiting{}
		s.waiting[key] = w
	}
	w.pod, w.last = pod, now
	w.failures++
	w.waived = false
	w.parked = s.moves == cycle && !w.moved
	return w.retryIn(now)
}

// unpark lets pod key be tried again after its back-off without an event
// (its attempt failed with an error, which the queue retries).
func (s *state) unpark(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.waiting[key]; ok {
		w.parked = false
	}
}

// move takes the parked pods that ev may let fit out of the unschedulable
// set, and returns when each may be tried: after its back-off, or at once
// when the scheduler is idle (no pod queued), which waives it.
func (s *state) move(ev clusterEvent, now time.Time, idle bool) map[string]time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.moves++
	out := map[string]time.Duration{}
	for key, w := range s.waiting {
		if w.parked && ev.moves(w.pod) {
			w.parked, w.waived = false, idle
			out[key] = w.retryIn(now)
		}
	}
	return out
}

// moveOne takes pod key out of the unschedulable set (its own spec
// changed) and returns when it may be tried. An attempt at it under way
// will not park it.
func (s *state) moveOne(key string, now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.waiting[key]
	if !ok {
		return 0
	}
	w.parked, w.moved = false, true
	return w.retryIn(now)
}
