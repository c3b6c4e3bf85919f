package job

import (
	"context"
	"encoding/json"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
)

var jobKind = batchv1.SchemeGroupVersion.WithKind("Job")

// claimPods returns the pods the Job controls, reconciling ownership as
// Kubernetes' controller reference manager does: a pod it controls whose
// labels no longer match is released (losing the finalizer too), and a
// matching pod no one controls is adopted (gaining it), after a live read
// confirms the Job is still this one and not being deleted.
func (c *Controller) claimPods(ctx context.Context, job *batchv1.Job) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("selector of job %s/%s: %w", job.Namespace, job.Name, err)
	}
	idx := c.pods.GetIndexer()
	owned, err := idx.ByIndex(ownerIndex, ownerKey(string(job.UID)))
	if err != nil {
		return nil, err
	}
	pods := make([]*corev1.Pod, 0, len(owned))
	for _, o := range owned {
		p := o.(*corev1.Pod)
		switch {
		case job.DeletionTimestamp != nil || sel.Matches(labels.Set(p.Labels)):
			pods = append(pods, p)
		case p.DeletionTimestamp == nil:
			c.release(ctx, job, p)
		}
	}
	if job.DeletionTimestamp != nil || sel.Empty() {
		return pods, nil
	}
	adopted, err := c.adoptOrphans(ctx, job, sel)
	return append(pods, adopted...), err
}

func (c *Controller) adoptOrphans(ctx context.Context, job *batchv1.Job, sel labels.Selector) ([]*corev1.Pod, error) {
	orphans, err := c.pods.GetIndexer().ByIndex(ownerIndex, orphanKey(job.Namespace))
	if err != nil {
		return nil, err
	}
	var out []*corev1.Pod
	checked := false
	for _, o := range orphans {
		p := o.(*corev1.Pod)
		if p.DeletionTimestamp != nil || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		if !checked {
			if err := c.canAdopt(ctx, job); err != nil {
				return nil, err
			}
			checked = true
		}
		got, err := c.adopt(ctx, job, p)
		if err != nil {
			return out, err
		}
		if got != nil {
			out = append(out, got)
		}
	}
	return out, nil
}

// canAdopt reads the Job past the cache: adopting pods for a Job that was
// deleted, or replaced under the same name, would hand them to the wrong
// owner.
func (c *Controller) canAdopt(ctx context.Context, job *batchv1.Job) error {
	fresh, err := c.client.BatchV1().Jobs(job.Namespace).Get(ctx, job.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if fresh.UID != job.UID {
		return fmt.Errorf("job %s/%s is gone: uid %s, want %s", job.Namespace, job.Name, fresh.UID, job.UID)
	}
	if fresh.DeletionTimestamp != nil {
		return fmt.Errorf("job %s/%s is being deleted: not adopting pods", job.Namespace, job.Name)
	}
	return nil
}

type patchMeta struct {
	OwnerReferences []any     `json:"ownerReferences"`
	UID             types.UID `json:"uid"`
	Finalizers      []string  `json:"finalizers,omitempty"`
	DeleteFinalizer []string  `json:"$deleteFromPrimitiveList/finalizers,omitempty"`
}

// adopt makes the Job the pod's controller and adds the tracking
// finalizer in one strategic merge patch. It returns the adopted pod, or
// nil when the pod is gone or was taken meanwhile.
func (c *Controller) adopt(ctx context.Context, job *batchv1.Job, p *corev1.Pod) (*corev1.Pod, error) {
	patch, err := json.Marshal(map[string]patchMeta{"metadata": {
		OwnerReferences: []any{metav1.NewControllerRef(job, jobKind)},
		UID:             p.UID,
		Finalizers:      []string{batchv1.JobTrackingFinalizer},
	}})
	if err != nil {
		return nil, err
	}
	got, err := c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsInvalid(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("adopting pod %s: %w", p.Name, err)
	}
	return got, nil
}

// release drops the Job's controller reference and finalizer from a pod
// that no longer matches its selector. Failures are only logged: the pod
// is left out either way, and the next sync tries again.
func (c *Controller) release(ctx context.Context, job *batchv1.Job, p *corev1.Pod) {
	patch, err := json.Marshal(map[string]patchMeta{"metadata": {
		OwnerReferences: []any{map[string]any{"$patch": "delete", "uid": job.UID}},
		UID:             p.UID,
		DeleteFinalizer: []string{batchv1.JobTrackingFinalizer},
	}})
	if err != nil {
		return
	}
	_, err = c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		klog.V(1).Infof("job %s/%s: releasing pod %s: %v", job.Namespace, job.Name, p.Name, err)
	}
}
