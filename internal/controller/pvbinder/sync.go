package pvbinder

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// claimClass is the claim's class name ("" for none).
func claimClass(c *corev1.PersistentVolumeClaim) string {
	return volumehelpers.GetPersistentVolumeClaimClass(c)
}

// syncClaim gathers a claim's input from the caches, decides, and applies.
func (c *Controller) syncClaim(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	claim, err := c.claims.PersistentVolumeClaims(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	in, err := c.claimInput(claim)
	if err != nil {
		return nil, err
	}
	return nil, c.applyClaim(ctx, claim, decideClaim(in))
}

func (c *Controller) claimInput(claim *corev1.PersistentVolumeClaim) (claimInput, error) {
	in := claimInput{claim: claim}
	var err error
	if in.volumes, err = c.volumes.List(labels.Everything()); err != nil {
		return in, err
	}
	if claim.Spec.VolumeName != "" {
		if in.named, err = c.volumes.Get(claim.Spec.VolumeName); err != nil && !apierrors.IsNotFound(err) {
			return in, err
		}
	}
	if class := claimClass(claim); class != "" {
		if in.class, err = c.classes.Get(class); err != nil && !apierrors.IsNotFound(err) {
			return in, err
		}
	}
	if in.class != nil && in.class.VolumeBindingMode != nil && *in.class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer {
		if in.consumerNode, err = c.consumerNode(claim); err != nil {
			return in, err
		}
		in.nodeLabels = c.nodeLabels(claim.Annotations[volumehelpers.AnnSelectedNode])
	}
	return in, nil
}

// nodeLabels are the labels of the named node, or, when it is not in the
// cache, the one label every node has: its kubernetes.io/hostname.
func (c *Controller) nodeLabels(name string) map[string]string {
	if name == "" {
		return nil
	}
	if n, err := c.nodes.Get(name); err == nil {
		return n.Labels
	}
	return map[string]string{corev1.LabelHostname: name}
}

// consumerNode is the node of a scheduled, unfinished pod using claim.
func (c *Controller) consumerNode(claim *corev1.PersistentVolumeClaim) (string, error) {
	pods, err := c.pods.Pods(claim.Namespace).List(labels.Everything())
	if err != nil {
		return "", err
	}
	for _, p := range pods {
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim.Name {
				return p.Spec.NodeName, nil
			}
		}
	}
	return "", nil
}

// applyClaim carries out a claim plan. Every write carries the cached
// resourceVersion, so a decision made on stale data fails with a conflict
// and is made again.
func (c *Controller) applyClaim(ctx context.Context, claim *corev1.PersistentVolumeClaim, p claimPlan) error {
	if p.event != nil {
		c.recorder.Event(claim, p.event.eventType, p.event.reason, p.event.message)
	}
	if len(p.annotate) > 0 {
		out := claim.DeepCopy()
		if out.Annotations == nil {
			out.Annotations = map[string]string{}
		}
		for k, v := range p.annotate {
			out.Annotations[k] = v
		}
		updated, err := c.client.CoreV1().PersistentVolumeClaims(claim.Namespace).Update(ctx, out, metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		claim = updated
	}
	if p.bind != nil {
		return c.bind(ctx, claim, p.bind)
	}
	if p.phase != "" && claim.Status.Phase != p.phase {
		out := claim.DeepCopy()
		out.Status.Phase = p.phase
		_, err := c.client.CoreV1().PersistentVolumeClaims(claim.Namespace).UpdateStatus(ctx, out, metav1.UpdateOptions{})
		return err
	}
	return nil
}

// bind writes the four steps of a bind (see bind.go), skipping those done.
func (c *Controller) bind(ctx context.Context, claim *corev1.PersistentVolumeClaim, v *corev1.PersistentVolume) error {
	out, err := boundVolume(v, claim)
	if err != nil {
		return err
	}
	if out != nil {
		if v, err = c.client.CoreV1().PersistentVolumes().Update(ctx, out, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	if v, err = c.setVolumePhase(ctx, v, corev1.VolumeBound, ""); err != nil {
		return err
	}
	if out := boundClaim(claim, v); out != nil {
		if claim, err = c.client.CoreV1().PersistentVolumeClaims(claim.Namespace).Update(ctx, out, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	if out := boundClaimStatus(claim, v); out != nil {
		_, err = c.client.CoreV1().PersistentVolumeClaims(claim.Namespace).UpdateStatus(ctx, out, metav1.UpdateOptions{})
	}
	return err
}

// setVolumePhase writes the volume's phase, stamping the transition time
// as Kubernetes does; nothing is written when it is already so.
func (c *Controller) setVolumePhase(ctx context.Context, v *corev1.PersistentVolume, phase corev1.PersistentVolumePhase, message string) (*corev1.PersistentVolume, error) {
	if v.Status.Phase == phase && v.Status.Message == message {
		return v, nil
	}
	out := v.DeepCopy()
	if out.Status.Phase != phase {
		now := metav1.NewTime(c.clock.Now())
		out.Status.LastPhaseTransitionTime = &now
	}
	out.Status.Phase, out.Status.Message = phase, message
	return c.client.CoreV1().PersistentVolumes().UpdateStatus(ctx, out, metav1.UpdateOptions{})
}

// syncVolume decides on a volume with the claim it names, read past the
// cache before the claim is taken for gone: releasing a volume may delete
// its data.
func (c *Controller) syncVolume(ctx context.Context, name string) (*time.Duration, error) {
	v, err := c.volumes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	claim, err := c.volumeClaim(ctx, v)
	if err != nil {
		return nil, err
	}
	p := decideVolume(v, claim)
	if p.event != nil {
		c.recorder.Event(v, p.event.eventType, p.event.reason, p.event.message)
	}
	if p.syncClaim {
		c.claimQueue.Add(v.Spec.ClaimRef.Namespace + "/" + v.Spec.ClaimRef.Name)
	}
	if p.unbind {
		if v, err = c.client.CoreV1().PersistentVolumes().Update(ctx, unboundVolume(v), metav1.UpdateOptions{}); err != nil {
			return nil, err
		}
	}
	if p.phase != "" {
		_, err = c.setVolumePhase(ctx, v, p.phase, p.message)
	}
	return nil, err
}

// volumeClaim is the claim v's claimRef names with the same uid, nil if
// there is none (checked with the API server when the cache disagrees).
func (c *Controller) volumeClaim(ctx context.Context, v *corev1.PersistentVolume) (*corev1.PersistentVolumeClaim, error) {
	ref := v.Spec.ClaimRef
	if ref == nil || ref.UID == "" {
		return nil, nil
	}
	claim, err := c.claims.PersistentVolumeClaims(ref.Namespace).Get(ref.Name)
	if err == nil && claim.UID == ref.UID {
		return claim, nil
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	claim, err = c.client.CoreV1().PersistentVolumeClaims(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return claim, err
}
