package agent

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/queue"
)

// statusWorkers is how many status writes run at once. The kubelet's
// status manager writes from one goroutine; a few let a node with many
// pods keep up with a busy API server, and still leave writes queued long
// enough under load for a newer status to take an older one's place.
const statusWorkers = 2

// statusQueue coalesces pods' status writes, as the kubelet's status
// manager does: a sync files the pod's new status and goes on; a worker
// writes the latest status filed for the pod when it gets to it. A status
// filed while an older one still waits replaces it, so a pod whose
// ContainerCreating, Running and Succeeded follow each other faster than
// the API server takes the writes sends only what is current when each
// write starts. A write in flight is never cancelled; the newer status
// follows it.
//
//	sync ─ file(key, status) ─▶ pending[key] (latest only) ─▶ queue ─▶ worker: write
//	sync ─ writeNow (finalize) ─ drops pending[key], writes at once, in order
type statusQueue struct {
	queue workqueue.TypedRateLimitingInterface[string]

	mu      sync.Mutex
	pending map[string]*statusWrite // by pod key: the latest status filed
}

// statusWrite is one status to write: the pod object its sync saw, the
// agent's record, and the status computed from them.
type statusWrite struct {
	pod    *corev1.Pod
	st     *pod
	status corev1.PodStatus
}

func newStatusQueue(clk clock.WithTicker) *statusQueue {
	return &statusQueue{queue: queue.New[string]("agent status", clk), pending: map[string]*statusWrite{}}
}

// file records w as key's status to write, replacing one not yet written.
func (q *statusQueue) file(key string, w *statusWrite) {
	q.mu.Lock()
	q.pending[key] = w
	q.mu.Unlock()
	q.queue.Add(key)
}

// take removes and returns key's pending write for record st (nil if none,
// or if it is another record's: the pod was replaced meanwhile).
func (q *statusQueue) take(key string, st *pod) *statusWrite {
	q.mu.Lock()
	defer q.mu.Unlock()
	w := q.pending[key]
	if w == nil || (st != nil && w.st != st) {
		return nil
	}
	delete(q.pending, key)
	return w
}

// peek is key's pending write, left in place.
func (q *statusQueue) peek(key string) *statusWrite {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending[key]
}

// drop forgets key's pending write (the pod is gone).
func (q *statusQueue) drop(key string) {
	q.mu.Lock()
	delete(q.pending, key)
	q.mu.Unlock()
}

// fileStatus hands p's new status to the status workers.
func (a *Agent) fileStatus(key string, p *corev1.Pod, st *pod, status corev1.PodStatus) {
	a.statuses.file(key, &statusWrite{pod: p, st: st, status: status})
}

// writeStatusNow writes p's status before returning, after any write of
// the pod in flight, and drops an older one still waiting: for the
// terminal status of a pod the agent then deletes.
func (a *Agent) writeStatusNow(ctx context.Context, key string, p *corev1.Pod, st *pod, status corev1.PodStatus) error {
	st.writeMu.Lock()
	defer st.writeMu.Unlock()
	a.statuses.take(key, st)
	return a.reportStatus(ctx, p, st, status)
}

// writeFiledStatus is a status worker's sync: it writes the latest status
// filed for key. Writes of one pod are serialized by its record's writeMu,
// and the status is taken only under it, so an older status never lands
// after a newer one. A failed write is filed again unless a newer status
// came meanwhile, and retried with back-off.
func (a *Agent) writeFiledStatus(ctx context.Context, key string) (*time.Duration, error) {
	w := a.statuses.peek(key)
	if w == nil {
		return nil, nil
	}
	w.st.writeMu.Lock()
	defer w.st.writeMu.Unlock()
	if w = a.statuses.take(key, w.st); w == nil {
		return nil, nil // written by writeStatusNow, or replaced by another record's
	}
	err := a.reportStatus(ctx, w.pod, w.st, w.status)
	if err == nil || apierrors.IsConflict(err) {
		// A conflict is the UID precondition: the name is another pod's
		// now, whose own sync files its status.
		return nil, nil
	}
	klog.FromContext(ctx).V(2).Info("Status write failed, retrying", "pod", key, "err", err)
	a.statuses.mu.Lock()
	if a.statuses.pending[key] == nil {
		a.statuses.pending[key] = w
	}
	a.statuses.mu.Unlock()
	return nil, err
}
