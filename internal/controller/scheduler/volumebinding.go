package scheduler

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// The VolumeBinding filter's reasons, as Kubernetes words them.
const (
	reasonVolumeNodeConflict = "node(s) had volume node affinity conflict"
	reasonVolumeBindConflict = "node(s) didn't find available persistent volumes to bind"
)

// podVolumes is what the VolumeBinding filter needs to know of a pod's
// claims, gathered once per scheduling attempt.
type podVolumes struct {
	// bound are the volumes of the pod's bound claims: a node must match
	// each one's node affinity.
	bound []*corev1.PersistentVolume
	// delayed are the pod's unbound WaitForFirstConsumer claims: the node
	// chosen is written into each one's volume.kubernetes.io/selected-node
	// so that its volume is provisioned there.
	delayed []*corev1.PersistentVolumeClaim
}

// gatherVolumes reads the volumes of pod's bound claims and its unbound
// delayed claims. volumesBlock has passed, so every claim exists and is
// either bound or delayed. A bound claim whose volume is not in the cache
// is an error: the pod is retried.
func gatherVolumes(pod *corev1.Pod, look claimLookup) (podVolumes, error) {
	var out podVolumes
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		pvc, err := look.claim(pod.Namespace, v.PersistentVolumeClaim.ClaimName)
		if err != nil {
			return out, err
		}
		if pvc.Spec.VolumeName == "" {
			out.delayed = append(out.delayed, pvc)
			continue
		}
		pv, err := look.volume(pvc.Spec.VolumeName)
		if apierrors.IsNotFound(err) {
			// Not in the cache yet (the claim was just bound) or gone: no
			// placement is safe, as in Kubernetes, where this is an error
			// and the pod is retried.
			return out, fmt.Errorf("pvc %s/%s bound to non-existent pv %s", pvc.Namespace, pvc.Name, pvc.Spec.VolumeName)
		}
		if err != nil {
			return out, err
		}
		out.bound = append(out.bound, pv)
	}
	return out, nil
}

// fitVolumes is the VolumeBinding filter: the node must match the node
// affinity of every bound volume (a local volume pins its pods to the
// node that holds it), and an unbound claim for which a node was already
// selected (its volume being provisioned there) admits only that node.
func fitVolumes(vols podVolumes, n *corev1.Node) string {
	for _, pv := range vols.bound {
		if err := volumehelpers.CheckNodeAffinity(pv, n.Labels); err != nil {
			return reasonVolumeNodeConflict
		}
	}
	for _, pvc := range vols.delayed {
		if sel := pvc.Annotations[volumehelpers.AnnSelectedNode]; sel != "" && sel != n.Name {
			return reasonVolumeBindConflict
		}
	}
	return ""
}

// fittingVolumes keeps the nodes that pass fitVolumes: preemption cannot
// move a volume, so only they may have pods preempted.
func fittingVolumes(nodes []*corev1.Node, vols podVolumes) []*corev1.Node {
	out := make([]*corev1.Node, 0, len(nodes))
	for _, n := range nodes {
		if fitVolumes(vols, n) == "" {
			out = append(out, n)
		}
	}
	return out
}

// volumeWait is how soon a pod whose claims are being provisioned is
// looked at again if no claim update requeues it first.
const volumeWait = 2 * time.Second

// selectNode is the VolumeBinding plugin's PreBind for provisioning:
// each unbound WaitForFirstConsumer claim of the pod gets the chosen node
// in volume.kubernetes.io/selected-node, which is what the provisioner
// waits for. As in Kubernetes, the pod itself is bound only once its
// claims are (a later attempt, which fitVolumes keeps on the same node),
// so its agent never sees a pod whose volume does not exist yet.
func (c *Controller) selectNode(ctx context.Context, vols podVolumes, node string) error {
	for _, pvc := range vols.delayed {
		if pvc.Annotations[volumehelpers.AnnSelectedNode] == node {
			continue
		}
		out := pvc.DeepCopy()
		if out.Annotations == nil {
			out.Annotations = map[string]string{}
		}
		out.Annotations[volumehelpers.AnnSelectedNode] = node
		if _, err := c.client.CoreV1().PersistentVolumeClaims(pvc.Namespace).Update(ctx, out, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return nil
}
