package job

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// apiParallelism bounds the concurrent requests of one pod action (deletes,
// finalizer removals); creations are bounded by their slow-start batch.
const apiParallelism = 32

// Event reasons, as Kubernetes' job controller records them.
const (
	eventCreated       = "SuccessfulCreate"
	eventFailedCreate  = "FailedCreate"
	eventDeleted       = "SuccessfulDelete"
	eventFailedDelete  = "FailedDelete"
	eventCompleted     = "Completed"
	eventSuspended     = "Suspended"
	eventResumed       = "Resumed"
	eventTooManySucces = "TooManySucceededPods"
)

// applyPods carries out the pod actions and reports what came of them.
func (c *Controller) applyPods(ctx context.Context, key string, s *state, a podActions) (podResults, error) {
	var r podResults
	var err error
	if len(a.deletes) > 0 {
		mode := releaseFirst
		if a.finishing {
			mode = keepFinalizer
		}
		r, err = c.deletePods(ctx, key, s.job, a.deletes, mode)
	}
	if n := a.create + len(a.indexes); n > 0 {
		var created int32
		created, err = c.createPods(ctx, key, s, a, n)
		r.created = created
	}
	return r, err
}

// createPods creates n pods in slow-start batches of 1, 2, 4, … in
// parallel: a Job whose pods all fail to create (quota, admission) costs a
// few requests, not hundreds, while a healthy one reaches 100 pods in
// seven round trips.
func (c *Controller) createPods(ctx context.Context, key string, s *state, a podActions, n int) (int32, error) {
	c.expect.ExpectCreations(key, n, c.clock.Now())
	base := podTemplate(s.job)
	var created atomic.Int32
	var errs []error
	var mu sync.Mutex
	next := 0
	for batch := 1; next < n; batch = min(2*batch, n-next) {
		batch = min(batch, n-next)
		var wg sync.WaitGroup
		failed := false
		for i := next; i < next+batch; i++ {
			pod := base
			if a.indexes != nil {
				ix := a.indexes[i]
				pod = indexedPod(s.job, base, ix, s.waiting[ix])
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.createPod(ctx, key, s.job, pod); err != nil {
					mu.Lock()
					errs, failed = append(errs, err), true
					mu.Unlock()
					return
				}
				created.Add(1)
			}()
		}
		wg.Wait()
		next += batch
		if failed {
			for ; next < n; next++ {
				c.expect.CreationObserved(key) // skipped: the next sync retries
			}
		}
	}
	return created.Load(), errors.Join(errs...)
}

func (c *Controller) createPod(ctx context.Context, key string, job *batchv1.Job, pod *corev1.Pod) error {
	got, err := c.client.CoreV1().Pods(job.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		c.expect.CreationObserved(key)
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil // every later creation fails too; the namespace is going
		}
		c.recorder.Eventf(job, corev1.EventTypeWarning, eventFailedCreate, "Error creating: %v", err)
		return err
	}
	c.recorder.Eventf(job, corev1.EventTypeNormal, eventCreated, "Created pod: %v", got.Name)
	return nil
}

// onDelete says what happens to a deleted pod's tracking finalizer.
type onDelete int

const (
	// keepFinalizer: the pod of a finishing Job is counted (as failed)
	// once it is gone.
	keepFinalizer onDelete = iota
	// releaseFirst: a surplus or suspended pod does not count; it loses
	// the finalizer before the delete, and the delete is expected.
	releaseFirst
)

// deletePods deletes pods in parallel.
func (c *Controller) deletePods(ctx context.Context, key string, job *batchv1.Job, pods []*corev1.Pod, mode onDelete) (podResults, error) {
	var deleted, ready atomic.Int32
	var failed atomic.Bool
	errs := make([]error, len(pods))
	parallel(len(pods), func(i int) {
		p := pods[i]
		if mode == releaseFirst {
			c.expect.ExpectDeletion(key, p.UID, c.clock.Now())
		}
		if errs[i] = c.deletePod(ctx, job, p, mode); errs[i] != nil {
			failed.Store(true)
			c.expect.DeletionObserved(key, p.UID)
			return
		}
		deleted.Add(1)
		if isReady(p) {
			ready.Add(1)
		}
	})
	return podResults{deleted: deleted.Load(), deletedRdy: ready.Load(), deleteFailed: failed.Load()}, errors.Join(errs...)
}

func (c *Controller) deletePod(ctx context.Context, job *batchv1.Job, p *corev1.Pod, mode onDelete) error {
	if mode == releaseFirst && hasTrackingFinalizer(p) {
		if err := c.patchOutFinalizer(ctx, p); err != nil {
			return fmt.Errorf("removing the tracking finalizer of %s: %w", p.Name, err)
		}
	}
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &p.UID},
	})
	switch {
	case err == nil:
		c.recorder.Eventf(job, corev1.EventTypeNormal, eventDeleted, "Deleted pod: %v", p.Name)
	case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
		return nil // already gone, or replaced by another pod of that name
	default:
		c.recorder.Eventf(job, corev1.EventTypeWarning, eventFailedDelete, "Error deleting: %v", err)
	}
	return err
}

// parallel runs f(0..n-1) on at most apiParallelism goroutines.
func parallel(n int, f func(i int)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(n, apiParallelism); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
}
