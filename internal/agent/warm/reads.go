package warm

import (
	"context"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	coordinationlisters "k8s.io/client-go/listers/coordination/v1"
)

// Listers, when set, are where the loop reads the CronJob and the Lease:
// the agent's informers, so that a step costs no API request and a slot
// costs only its writes. Without them the loop reads from the API.
type Listers struct {
	CronJobs batchlisters.CronJobLister
	Leases   coordinationlisters.LeaseLister
	// Synced, when set, says whether the listers have caught up; until
	// then the loop reads from the API (a lister not yet synced would
	// say the CronJob does not exist).
	Synced func() bool
}

// ready says whether reads may go to the listers.
func (s Listers) ready() bool {
	return s.CronJobs != nil && s.Leases != nil && (s.Synced == nil || s.Synced())
}

// ownWrites remembers the Lease as this loop last wrote it, and the
// versions that write replaced. An informer sees the write a moment
// later; until then its copy is one the write replaced, and the loop
// reads its own instead. That copy is never newer than the API's, so a
// write from it is still a compare-and-swap and at worst conflicts.
type ownWrites struct {
	mu       sync.Mutex
	lease    *coordinationv1.Lease
	replaced map[string]bool // resourceVersions older than lease
}

func (w *ownWrites) wrote(from, to *coordinationv1.Lease) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.replaced == nil || w.lease == nil || w.lease.ResourceVersion != from.ResourceVersion {
		w.replaced = map[string]bool{}
	}
	w.replaced[from.ResourceVersion] = true
	w.lease = to
}

// newest is read, or this loop's own later write if read is one it replaced.
func (w *ownWrites) newest(read *coordinationv1.Lease) *coordinationv1.Lease {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lease != nil && w.replaced[read.ResourceVersion] {
		return w.lease.DeepCopy()
	}
	return read
}

func (l *loop) leaseName() string { return l.cfg.CronJob + "-runner" }

// readCronJob reads the CronJob, from the lister when there is one.
func (l *loop) readCronJob(ctx context.Context) (*batchv1.CronJob, error) {
	if l.cfg.Listers.ready() {
		return l.cfg.Listers.CronJobs.CronJobs(l.cfg.Namespace).Get(l.cfg.CronJob)
	}
	return l.cfg.Client.BatchV1().CronJobs(l.cfg.Namespace).Get(ctx, l.cfg.CronJob, metav1.GetOptions{})
}

// readLease reads the token's Lease, a copy the caller may change: from
// the lister (or this loop's own newer write), or from the API when fresh
// is set or there is no lister.
func (l *loop) readLease(ctx context.Context, fresh bool) (*coordinationv1.Lease, error) {
	if fresh || !l.cfg.Listers.ready() {
		return l.cfg.Client.CoordinationV1().Leases(l.cfg.Namespace).Get(ctx, l.leaseName(), metav1.GetOptions{})
	}
	lease, err := l.cfg.Listers.Leases.Leases(l.cfg.Namespace).Get(l.leaseName())
	if err != nil {
		return nil, err
	}
	return l.own.newest(lease.DeepCopy()), nil
}

// writeLease updates the Lease (a compare-and-swap on its
// resourceVersion) and remembers the result.
func (l *loop) writeLease(ctx context.Context, lease *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	out, err := l.cfg.Client.CoordinationV1().Leases(l.cfg.Namespace).Update(ctx, lease, metav1.UpdateOptions{})
	if err == nil {
		l.own.wrote(lease, out)
	}
	return out, err
}
