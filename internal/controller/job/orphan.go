package job

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// syncOrphan removes the tracking finalizer from a pod no running Job will
// count: its Job is gone or finished, or it has no controller. Without
// this the pod could never be deleted. Pods controlled by something other
// than a batch/v1 Job, or by a Job another controller manages, are left
// alone.
func (c *Controller) syncOrphan(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	p, err := c.podLister.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !hasTrackingFinalizer(p) {
		return nil, nil
	}
	if ref := metav1.GetControllerOf(p); ref != nil {
		if !isJobRef(ref) {
			return nil, nil
		}
		job, err := c.jobLister.Jobs(ns).Get(ref.Name)
		if err == nil && job.UID == ref.UID && (managedElsewhere(job) || !isFinished(job)) {
			return nil, nil // still counted by its Job
		}
	}
	return nil, c.patchOutFinalizer(ctx, p)
}
