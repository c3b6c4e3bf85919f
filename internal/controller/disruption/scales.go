package disruption

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// scales resolves the controller of each pod to the workload whose scale
// counts for it (see workload); controllers it cannot find are left out,
// which decide reports when it needs them.
func (c *Controller) scales(ctx context.Context, pods []*corev1.Pod) (map[types.UID]workload, error) {
	out := map[types.UID]workload{}
	for _, pod := range pods {
		ref := metav1.GetControllerOf(pod)
		if ref == nil {
			continue
		}
		if _, done := out[ref.UID]; done {
			continue
		}
		w, found, err := c.workloadOf(ctx, ref, pod.Namespace)
		if err != nil {
			return nil, err
		}
		if found {
			out[ref.UID] = w
		}
	}
	return out, nil
}

// workloadOf finds the workload behind one controller reference, checking
// UIDs so that a namesake replacement is not taken for the controller.
func (c *Controller) workloadOf(ctx context.Context, ref *metav1.OwnerReference, ns string) (workload, bool, error) {
	switch ref.Kind {
	case "ReplicaSet":
		rs, err := c.replicaSets.ReplicaSets(ns).Get(ref.Name)
		if apierrors.IsNotFound(err) || (err == nil && rs.UID != ref.UID) {
			return workload{}, false, nil
		}
		if err != nil {
			return workload{}, false, err
		}
		if owner := metav1.GetControllerOf(rs); owner != nil && owner.Kind == "Deployment" {
			d, err := c.deployments.Deployments(ns).Get(owner.Name)
			if apierrors.IsNotFound(err) || (err == nil && d.UID != owner.UID) {
				return workload{}, false, nil
			}
			if err != nil {
				return workload{}, false, err
			}
			return workload{uid: d.UID, replicas: ptr.Deref(d.Spec.Replicas, 1)}, true, nil
		}
		return workload{uid: rs.UID, replicas: ptr.Deref(rs.Spec.Replicas, 1)}, true, nil
	case "StatefulSet":
		ss, err := c.statefulSets.StatefulSets(ns).Get(ref.Name)
		if apierrors.IsNotFound(err) || (err == nil && ss.UID != ref.UID) {
			return workload{}, false, nil
		}
		if err != nil {
			return workload{}, false, err
		}
		return workload{uid: ss.UID, replicas: ptr.Deref(ss.Spec.Replicas, 1)}, true, nil
	case "ReplicationController":
		// Read through its scale subresource, uncached: a server without
		// ReplicationControllers answers NotFound, as for a missing one.
		scale, err := c.b.Client.CoreV1().ReplicationControllers(ns).GetScale(ctx, ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || (err == nil && scale.UID != ref.UID) {
			return workload{}, false, nil
		}
		if err != nil {
			return workload{}, false, err
		}
		return workload{uid: scale.UID, replicas: scale.Spec.Replicas}, true, nil
	}
	return workload{}, false, nil
}
