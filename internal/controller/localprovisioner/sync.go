package localprovisioner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	volumehelpers "k8s.io/component-helpers/storage/volume"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/storageclass"
	"github.com/ordo-dev/ordo/internal/wellknown"
)

// dirMode lets pods running as any user write to their volume.
const dirMode = 0o777

// syncClaim provisions a volume for the claim if it needs one.
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
	class, err := c.classes.Get(volumehelpers.GetPersistentVolumeClaimClass(claim))
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	_, err = c.volumes.Get(volumeName(claim))
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	in := provisionInput{claim: claim, class: class, exists: exists, self: c.self, root: c.root, nodeRoot: c.nodeRoot(claim)}
	p := decideProvision(in)
	switch {
	case p.failure != "" && in.nodeRoot == "" && claim.Annotations[volumehelpers.AnnSelectedNode] != "":
		// The node may publish its directory yet (its agent starting).
		c.recorder.Event(claim, corev1.EventTypeWarning, reasonProvisioningFailed, p.failure)
		return nil, errors.New(p.failure)
	case p.failure != "":
		c.recorder.Event(claim, corev1.EventTypeWarning, reasonProvisioningFailed, p.failure)
		return nil, nil // nothing changes until the claim or class does
	case p.volume == nil:
		return nil, nil
	}
	c.recorder.Eventf(claim, corev1.EventTypeNormal, reasonProvisioning, msgProvisioning, key)
	if err := c.provision(ctx, p); err != nil {
		c.recorder.Eventf(claim, corev1.EventTypeWarning, reasonProvisioningFailed, msgFailed, class.Name, err)
		return nil, err
	}
	c.recorder.Eventf(claim, corev1.EventTypeNormal, reasonProvisioned, msgProvisioned, p.volume.Name)
	return nil, nil
}

// nodeRoot is the volume directory the claim's selected node publishes,
// "" if it has none or the node is unknown.
func (c *Controller) nodeRoot(claim *corev1.PersistentVolumeClaim) string {
	name := claim.Annotations[volumehelpers.AnnSelectedNode]
	if name == "" {
		return ""
	}
	n, err := c.nodes.Get(name)
	if err != nil {
		return ""
	}
	return n.Annotations[wellknown.LocalPathDirAnnotation]
}

// provision makes the directory when it is on this machine, then the
// volume; on another node, its agent makes the directory when it mounts
// the volume. AlreadyExists means an earlier attempt (or another server
// before a leader change) made it.
func (c *Controller) provision(ctx context.Context, p provisionPlan) error {
	if p.mkdir {
		if err := os.MkdirAll(p.dir, dirMode); err != nil {
			return err
		}
		if err := os.Chmod(p.dir, dirMode); err != nil { // past the umask
			return err
		}
	}
	_, err := c.client.CoreV1().PersistentVolumes().Create(ctx, p.volume, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err == nil {
		klog.FromContext(ctx).V(2).Info("Provisioned volume", "volume", p.volume.Name, "path", p.dir, "node", storageclass.PinnedNode(p.volume))
	}
	return err
}

// syncVolume deletes a released volume of ours: directory first, so a
// crash in between leaves a volume whose next sync finishes the job,
// never a directory nobody knows about.
func (c *Controller) syncVolume(ctx context.Context, name string) (*time.Duration, error) {
	v, err := c.volumes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p := decideDelete(v, c.root)
	switch {
	case p.failure != "":
		c.recorder.Event(v, corev1.EventTypeWarning, reasonFailedDelete, p.failure)
		return nil, nil
	case p.dir == "":
		return nil, nil
	}
	if err := os.RemoveAll(p.dir); err != nil {
		c.recorder.Event(v, corev1.EventTypeWarning, reasonFailedDelete, err.Error())
		return nil, fmt.Errorf("remove %s: %w", p.dir, err)
	}
	err = c.client.CoreV1().PersistentVolumes().Delete(ctx, v.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &v.UID}})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err == nil {
		klog.FromContext(ctx).V(2).Info("Deleted volume", "volume", v.Name, "path", p.dir)
	}
	return nil, err
}
