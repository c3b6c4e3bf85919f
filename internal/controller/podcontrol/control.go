// Package podcontrol is how the controllers that keep a number of pods
// (ReplicaSet, ReplicationController, DaemonSet) create and delete them and
// follow them: with expectations, so that a sync never counts from a cache
// missing its own writes, and with Kubernetes' events (SuccessfulCreate,
// FailedCreate, SuccessfulDelete, FailedDelete) on the owner. Which pods to
// create or delete stays each controller's own decision.
package podcontrol

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"

	"github.com/ordo-dev/ordo/internal/controller/expectations"
)

// Control writes pods for an owner and keeps Expect in step.
type Control struct {
	Client   kubernetes.Interface
	Recorder record.EventRecorder
	Expect   *expectations.Expectations
}

// Create creates pod, recording SuccessfulCreate or FailedCreate on
// owner. A namespace being terminated fails every creation; that is not
// worth a warning event, as in Kubernetes. The expectations are the
// caller's (SlowStart).
func (c Control) Create(ctx context.Context, owner runtime.Object, pod *corev1.Pod) (*corev1.Pod, error) {
	p, err := c.Client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			c.Recorder.Eventf(owner, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		}
		return nil, err
	}
	c.Recorder.Eventf(owner, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", p.Name)
	return p, nil
}

// Delete deletes p (the one with p's UID only), expecting its deletion
// under key. A pod already gone or replaced is not an error.
func (c Control) Delete(ctx context.Context, key string, owner runtime.Object, p *corev1.Pod, now time.Time) error {
	c.Expect.ExpectDeletion(key, p.UID, now)
	err := c.Client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
	if err != nil {
		c.Expect.DeletionObserved(key, p.UID)
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		c.Recorder.Eventf(owner, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
		return err
	}
	c.Recorder.Eventf(owner, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
	return nil
}

// SlowStart makes n creations, create(i) for i in [0, n), in batches of
// 1, 2, 4, … as Kubernetes' slow start does, stopping at the first batch
// with an error so that a broken template (or quota) costs one failed
// create, not n. It expects the n creations under key and lowers the
// expectation for each failed or skipped one (it will never be seen).
func (c Control) SlowStart(key string, n int, now time.Time, create func(i int) error) error {
	if n <= 0 {
		return nil
	}
	c.Expect.ExpectCreations(key, n, now)
	done := 0
	for batch := 1; done < n; batch *= 2 {
		batch = min(batch, n-done)
		errs := make(chan error, batch)
		for i := done; i < done+batch; i++ {
			go func() { errs <- create(i) }()
		}
		var first error
		for i := 0; i < batch; i++ {
			if err := <-errs; err != nil {
				c.Expect.CreationObserved(key)
				if first == nil {
					first = err
				}
			}
		}
		done += batch
		if first != nil {
			for ; done < n; done++ {
				c.Expect.CreationObserved(key)
			}
			return first
		}
	}
	return nil
}
