package job

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
)

var jobKind = batchv1.SchemeGroupVersion.WithKind("Job")

// claimPods returns the pods the Job controls, reconciling ownership as
// Kubernetes' controller reference manager does (controllerref): a pod it
// controls whose labels no longer match is released, losing the tracking
// finalizer too, and a matching pod no one controls is adopted, gaining
// it, after a live read confirms the Job is still this one and not being
// deleted.
func (c *Controller) claimPods(ctx context.Context, job *batchv1.Job) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("selector of job %s/%s: %w", job.Namespace, job.Name, err)
	}
	return controllerref.ClaimPods(ctx, c.client, c.pods.GetIndexer(), controllerref.Owner{
		Object: job, Kind: jobKind, Selector: sel, Finalizer: batchv1.JobTrackingFinalizer,
		Fresh: func(ctx context.Context) (metav1.Object, error) {
			return c.client.BatchV1().Jobs(job.Namespace).Get(ctx, job.Name, metav1.GetOptions{})
		},
	})
}
