package cronjob

import (
	"context"
	"fmt"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// recordInterval is how often each CronJob's run record is written, at
// most: the runs of a seconds schedule are batched, so a run costs a
// fraction of a write rather than one of its own (issue 28 counts server
// CPU per warm run).
const recordInterval = 10 * time.Second

// runningHold is how long a record whose only news is runs that started
// waits for them to end before it is written anyway: a start and its end
// then cost one write, not two (the timeline shows a run going from its
// Job or Lease meanwhile), and a long run's start and lag are still kept.
const runningHold = time.Minute

// runBook buffers the changes to each CronJob's run record and writes
// them in batches (flush). What it holds between writes is lost if the
// process dies; the Jobs still present fill that gap in the timeline
// (cronstats.Timeline merges them), and a restart notes them again.
type runBook struct {
	client kubernetes.Interface
	clock  clock.PassiveClock
	// warn reports a record ConfigMap that is not ours, on the CronJob.
	warn func(cj *batchv1.CronJob, message string)
	max  int

	mu      sync.Mutex
	records map[string]*bookEntry // by CronJob key
}

// bookEntry is one CronJob's pending changes and its record as last
// written by this process.
type bookEntry struct {
	cj      *batchv1.CronJob // for the owner reference and events
	updates []runrecord.Run
	since   time.Time // when the oldest pending update was noted
	// written is our ConfigMap as last read or written (nil: read it
	// first), record its decoded content.
	written *corev1.ConfigMap
	record  *runrecord.Record
	// refused: a ConfigMap of the record's name is somebody else's; it
	// was reported once and is looked at again on each flush.
	refused bool
	busy    bool // a flush of this entry is under way
	seeded  bool // the CronJob's existing Jobs were noted
	// claim is a warm CronJob's newest claimed slot seen on its Lease.
	claim time.Time
}

func newRunBook(client kubernetes.Interface, clk clock.PassiveClock, warn func(*batchv1.CronJob, string)) *runBook {
	return &runBook{client: client, clock: clk, warn: warn, max: runrecord.MaxRuns, records: map[string]*bookEntry{}}
}

// note adds runs (new slots or newer views of known ones) to cj's record,
// to be written by the next flush. It only touches memory.
func (b *runBook) note(cj *batchv1.CronJob, runs ...runrecord.Run) {
	if len(runs) == 0 {
		return
	}
	key := cj.Namespace + "/" + cj.Name
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.records[key]
	if e == nil || e.cj.UID != cj.UID {
		e = &bookEntry{}
		b.records[key] = e
	}
	e.cj = cj
	if len(e.updates) == 0 {
		e.since = b.clock.Now()
	}
	e.updates = append(e.updates, runs...)
	if len(e.updates) > 2*b.max {
		// Only the newest max slots can survive the write: keep those.
		e.updates = runrecord.Apply(nil, e.updates, b.max)
	}
}

// seed reports, once per CronJob (per UID) in this process, that its
// existing Jobs are still to be noted.
func (b *runBook) seed(cj *batchv1.CronJob) bool {
	key := cj.Namespace + "/" + cj.Name
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.records[key]
	if e == nil || e.cj.UID != cj.UID {
		e = &bookEntry{cj: cj}
		b.records[key] = e
	}
	if e.seeded {
		return false
	}
	e.seeded = true
	return true
}

// claimed remembers slot as cj's newest claim seen on its runner Lease
// and returns the one seen before (zero: none in this process).
func (b *runBook) claimed(cj *batchv1.CronJob, slot time.Time) time.Time {
	key := cj.Namespace + "/" + cj.Name
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.records[key]
	if e == nil || e.cj.UID != cj.UID {
		e = &bookEntry{cj: cj}
		b.records[key] = e
	}
	prev := e.claim
	if slot.After(prev) {
		e.claim = slot
	}
	return prev
}

// forget drops a deleted CronJob's pending changes (its record goes with
// it, by garbage collection).
func (b *runBook) forget(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.records, key)
}

// run flushes every interval until ctx ends, then once more, so that a
// controller stopping in order (shutdown, lost leadership) loses nothing.
func (b *runBook) run(ctx context.Context, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			b.flush(final, true)
			cancel()
			return
		case <-tick:
			b.flush(ctx, false)
		}
	}
}

// flush writes every record with pending changes, one write each: all of
// them when final, else those with news other than starts, or whose
// starts have waited runningHold.
func (b *runBook) flush(ctx context.Context, final bool) {
	now := b.clock.Now()
	b.mu.Lock()
	var keys []string
	for k, e := range b.records {
		if len(e.updates) > 0 && !e.busy && (final || settled(e.updates) || now.Sub(e.since) >= runningHold) {
			keys = append(keys, k)
		}
	}
	b.mu.Unlock()
	for _, k := range keys {
		if err := b.flushOne(ctx, k); err != nil {
			klog.FromContext(ctx).V(2).Info("Run record not written; retrying at the next flush", "cronjob", k, "err", err)
		}
	}
}

// flushOne writes one record. Its pending changes are taken out while
// the write is under way (notes go on arriving) and put back if it fails.
func (b *runBook) flushOne(ctx context.Context, key string) error {
	b.mu.Lock()
	e := b.records[key]
	if e == nil || e.busy {
		b.mu.Unlock()
		return nil
	}
	updates, cj := e.updates, e.cj
	e.updates, e.busy = nil, true
	b.mu.Unlock()
	err := b.write(ctx, e, cj, updates)
	b.mu.Lock()
	defer b.mu.Unlock()
	e.busy = false
	if err != nil {
		e.updates = append(updates, e.updates...)
	}
	if len(e.updates) > 0 && err == nil {
		e.since = b.clock.Now() // noted while the write was under way
	}
	return err
}

// settled: some update is more than a start (an end, a missed slot).
func settled(updates []runrecord.Run) bool {
	for _, u := range updates {
		if u.Outcome != runrecord.Running {
			return true
		}
	}
	return false
}

// write applies updates to the record and writes it: read it once (then
// keep our own copy), refuse a ConfigMap that is not ours, create it when
// absent, update it with its resourceVersion (a conflict re-reads).
// Only the flush that set e.busy touches e.written, e.record and
// e.refused; cj is e.cj as of that flush (notes may replace it).
func (b *runBook) write(ctx context.Context, e *bookEntry, cj *batchv1.CronJob, updates []runrecord.Run) error {
	cms := b.client.CoreV1().ConfigMaps(cj.Namespace)
	name := runrecord.ObjectName(cj.Name)
	if e.written == nil {
		cm, err := cms.Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			e.record = runrecord.NewRecord(nil)
		case err != nil:
			return err
		case !runrecord.BelongsTo(cm, cj):
			if !e.refused {
				e.refused = true
				b.warn(cj, fmt.Sprintf("ConfigMap %s exists and is not this CronJob's run record (label %s=%s and owner missing); not overwriting it, so runs are not recorded", name, runrecord.Label, cj.Name))
			}
			return nil // the updates are dropped: nowhere to keep them
		default:
			runs, derr := runrecord.Decode(cm.Data[runrecord.DataKey])
			if derr != nil {
				klog.FromContext(ctx).Info("Run record unreadable; starting it again", "configmap", klog.KObj(cm), "err", derr)
			}
			e.written, e.record = cm, runrecord.NewRecord(runs)
		}
		e.refused = false
	}
	if !e.record.Apply(updates, b.max) && e.written != nil {
		return nil
	}
	var out *corev1.ConfigMap
	var err error
	if e.written == nil {
		out, err = cms.Create(ctx, newRecordMap(cj, e.record.Data()), metav1.CreateOptions{})
	} else {
		cp := e.written.DeepCopy()
		cp.Data = map[string]string{runrecord.DataKey: e.record.Data()}
		out, err = cms.Update(ctx, cp, metav1.UpdateOptions{})
	}
	if err != nil {
		e.written, e.record = nil, nil // read again: somebody else wrote it
		return err
	}
	e.written = out
	return nil
}

// newRecordMap is cj's record ConfigMap, owned by the CronJob so that
// deleting the CronJob deletes it.
func newRecordMap(cj *batchv1.CronJob, data string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name: runrecord.ObjectName(cj.Name), Namespace: cj.Namespace,
			Labels:          map[string]string{runrecord.Label: cj.Name},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, cronJobKind)},
		},
		Data: map[string]string{runrecord.DataKey: data},
	}
}
