package agent

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/agent/pulls"
	"github.com/ordo-dev/ordo/internal/volume"
)

// Image volumes (volumes[].image): as the kubelet, the agent pulls each
// one's image with the pod's pull secrets and the volume's pullPolicy,
// through the same pulls as containers' images (one pull per image, the
// kubelet's back-off and events), before the containers start. A
// container that mounts a volume whose image is not there waits with the
// pull's reason (ErrImagePull, ImagePullBackOff, ErrImageNeverPull), as
// the kubelet reports it; the others start. Once mounted (package
// volume's PrepareImage) the volume keeps its image until the pod goes:
// the image is held under "<pod-uid>/volume:<name>", released with the
// pod's other leases (releaseImages), and it is not pulled again, not
// even by an agent restarted under the pod, which finds the mount.

// errNoImageStore is an image volume's FailedMount on a node without an
// image store.
var errNoImageStore = errors.New("image volumes need the node's image store, and this node has none")

// prepareImageVolumes pulls and mounts the pod's image volumes not mounted
// yet (into st.volumes, which prepareMounts made). False: container c,
// which mounts one that is not ready, waits (its reason set).
func (a *Agent) prepareImageVolumes(ctx context.Context, p *corev1.Pod, st *pod, c *container, spec *corev1.Container, now time.Time) bool {
	mounts := map[string]bool{}
	for _, vm := range spec.VolumeMounts {
		mounts[vm.Name] = true
	}
	ready := true
	for i := range p.Spec.Volumes {
		v := &p.Spec.Volumes[i]
		if _, done := st.volumes[v.Name]; done || !volume.IsImage(v) {
			continue
		}
		report := ready && mounts[v.Name] // c reports its first volume not ready
		if !a.prepareImageVolume(ctx, p, st, c, v, now, report) && mounts[v.Name] {
			ready = false
		}
	}
	return ready
}

// prepareImageVolume ensures v's image and mounts the volume. When it
// cannot, and report is set, c waits with the reason.
func (a *Agent) prepareImageVolume(ctx context.Context, p *corev1.Pod, st *pod, c *container, v *corev1.Volume, now time.Time, report bool) bool {
	if path, ok := a.volumes.MountedImage(p, v.Name); ok {
		st.volumes[v.Name] = path // mounted before the agent restarted
		return true
	}
	if a.pulls == nil || a.cfg.Store == nil {
		if report {
			a.mountFailed(p, c, &volume.SetUpError{Volume: v.Name, Err: errNoImageStore}, now)
		}
		return false
	}
	kc, credsKey, err := a.pullKeychain(ctx, p)
	if err != nil {
		if report {
			c.cannotStart("ErrImagePull", err.Error(), now.Add(configErrorRetry))
			a.event(p, corev1.EventTypeWarning, "Failed", "Failed to pull image %q: %v", v.Image.Reference, err)
		}
		return false
	}
	r := a.pulls.Ensure(pulls.Request{Image: v.Image.Reference, Policy: v.Image.PullPolicy,
		Keychain: kc, CredentialsKey: credsKey, Waiter: podKey(p)})
	for _, e := range r.Events {
		a.event(p, e.Type, e.Reason, "%s", e.Message)
	}
	if r.Image == nil {
		if report {
			waitOnPull(c, r, now)
		}
		return false
	}
	if err := a.cfg.Store.Hold(volumeLeaseHolder(p.UID, v.Name), r.Image.ID); err != nil {
		klog.FromContext(ctx).Error(err, "Hold image", "pod", klog.KObj(p), "volume", v.Name, "image", v.Image.Reference)
	}
	path, err := a.volumes.PrepareImage(p, v.Name, r.Image.Layers)
	if err != nil {
		if report {
			a.mountFailed(p, c, err, now)
		}
		return false
	}
	st.volumes[v.Name] = path
	return true
}

// mountFailed: c waits for a volume that could not be set up, backing off,
// with the kubelet's FailedMount event.
func (a *Agent) mountFailed(p *corev1.Pod, c *container, err error, now time.Time) {
	c.mountRetry = mountRetryAfter(c.mountRetry)
	c.cannotStart("ContainerCreating", "", now.Add(c.mountRetry))
	a.event(p, corev1.EventTypeWarning, "FailedMount", "%v", err)
}

// volumeLeaseHolder names an image volume's lease on its image; it shares
// leaseHolder's "<pod-uid>/" prefix, so the pod's leases go together.
func volumeLeaseHolder(uid types.UID, name string) string {
	return leaseHolder(uid, "volume:"+name)
}
