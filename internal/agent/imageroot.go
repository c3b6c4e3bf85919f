package agent

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/agent/pulls"
	"github.com/ordo-dev/ordo/internal/image"
	"github.com/ordo-dev/ordo/internal/image/remote"
)

// containerRoot is where a container's root comes from: a stored image,
// or (image nil) the image table's entry over the host's root.
type containerRoot struct {
	image   *image.Image
	files   userFiles
	imageID string
}

// errImagePullShown is how long a failed pull's ErrImagePull is reported
// before the pod is synced again and reports ImagePullBackOff.
const errImagePullShown = 2 * time.Second

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// pullWait is how long a container waiting on a pull waits before its pod
// is synced again anyway (the pull's end wakes it sooner).
const pullWait = time.Minute

// rootFor decides the container's root, pulling its image when needed,
// and records the kubelet's image events. False: the container waits (a
// pull under way, a failed pull's back-off, a Never policy with nothing
// to run), its reason set on c.
func (a *Agent) rootFor(ctx context.Context, p *corev1.Pod, c *container, spec *corev1.Container, now time.Time) (containerRoot, bool) {
	if a.pulls == nil {
		return containerRoot{imageID: imageID(a.cfg.Images, spec.Image)}, true
	}
	c.pulling = false
	kc, credsKey, err := a.pullKeychain(ctx, p)
	if err != nil {
		c.cannotStart("ErrImagePull", err.Error(), now.Add(configErrorRetry))
		a.event(p, corev1.EventTypeWarning, "Failed", "Failed to pull image %q: %v", spec.Image, err)
		return containerRoot{}, false
	}
	r := a.pulls.Ensure(pulls.Request{Image: spec.Image, Policy: spec.ImagePullPolicy, Keychain: kc, CredentialsKey: credsKey,
		TableHas: a.hostRootCanRun(spec), Waiter: podKey(p)})
	for _, e := range r.Events {
		a.event(p, e.Type, e.Reason, "%s", e.Message)
	}
	switch {
	case r.Image != nil:
		return a.imageRoot(p, spec, r.Image)
	case r.Table:
		a.event(p, corev1.EventTypeNormal, "ImageTable",
			"Container image %q runs the host's programs over the host's root (image table), not an image: %s", spec.Image, r.TableWhy)
		return containerRoot{imageID: imageID(a.cfg.Images, spec.Image)}, true
	}
	waitOnPull(c, r, now)
	return containerRoot{}, false
}

// waitOnPull sets the reason c waits for a pull with (r has no image):
// ContainerCreating while it runs, else the kubelet's reason and message.
func waitOnPull(c *container, r pulls.Result, now time.Time) {
	switch r.Reason {
	case "":
		c.cannotStart("ContainerCreating", "", now.Add(pullWait))
		c.pulling = true
	case "ErrImagePull":
		// Shown until the next sync, which reports the back-off
		// (ImagePullBackOff) as the kubelet's does.
		c.cannotStart(r.Reason, r.Message, earliest(r.RetryAt, now.Add(errImagePullShown)))
	default:
		c.cannotStart(r.Reason, r.Message, r.RetryAt)
	}
}

// hostRootCanRun: the container can run on the host's root instead of
// its image: the image table has an entry for its image, or it gives its
// command or args (which then run from the host's programs, as before
// images).
func (a *Agent) hostRootCanRun(spec *corev1.Container) bool {
	return a.cfg.Images.Lookup(spec.Image) != nil || len(spec.Command) > 0 || len(spec.Args) > 0
}

// pullEnded wakes a pod whose containers wait on a pull that ended:
// their wait ends now, not at pullWait.
func (a *Agent) pullEnded(key string) {
	if st := a.lockPod(key); st != nil {
		for _, c := range st.containers {
			if c.pulling {
				c.pulling, c.notUntil = false, time.Time{}
			}
		}
		st.mu.Unlock()
	}
	a.queue.Add(key)
}

// imageRoot holds the image for the pod (so it is not removed while the
// pod lives) and reads the users it needs.
func (a *Agent) imageRoot(p *corev1.Pod, spec *corev1.Container, img *image.Image) (containerRoot, bool) {
	if err := a.cfg.Store.Hold(leaseHolder(p.UID, spec.Name), img.ID); err != nil {
		klog.FromContext(a.ctx).Error(err, "Hold image", "pod", klog.KObj(p), "image", spec.Image)
	}
	passwd, _ := img.ReadFile("/etc/passwd")
	group, _ := img.ReadFile("/etc/group")
	return containerRoot{image: img, files: userFiles{passwd: passwd, group: group}, imageID: statusImageID(img)}, true
}

// leaseHolder names a container's lease on its image.
func leaseHolder(uid types.UID, container string) string { return string(uid) + "/" + container }

// releaseImages lets go of the images a pod's containers and image
// volumes held and of its pulls' back-offs.
func (a *Agent) releaseImages(key string, uid types.UID) {
	if a.cfg.Store == nil {
		return
	}
	prefix := leaseHolder(uid, "")
	if err := a.cfg.Store.ReleaseWhere(func(h string) bool { return strings.HasPrefix(h, prefix) }); err != nil {
		klog.FromContext(a.ctx).Error(err, "Release the pod's images", "pod", key)
	}
	if a.pulls != nil {
		a.pulls.Forget(key)
	}
}

// releaseGoneImages lets go of the images held by pods that are gone (it
// runs with sweepPodDirs, before any pod is synced).
func (a *Agent) releaseGoneImages(present map[types.UID]bool) {
	if a.cfg.Store == nil {
		return
	}
	err := a.cfg.Store.ReleaseWhere(func(h string) bool {
		uid, _, _ := strings.Cut(h, "/")
		return !present[types.UID(uid)]
	})
	if err != nil {
		a.log("release the images of pods that are gone: %v", err)
	}
}

// statusImageID is a container's status imageID, as containerd reports
// it: the repository digest, "docker.io/library/redis@sha256:…".
func statusImageID(img *image.Image) string {
	if len(img.RepoDigests) > 0 {
		return img.RepoDigests[0]
	}
	return img.Digest
}

// pullKeychain is the pod's imagePullSecrets as credentials, and a key
// naming them (and their versions): pulls with other credentials are
// not shared.
func (a *Agent) pullKeychain(ctx context.Context, p *corev1.Pod) (authn.Keychain, string, error) {
	if len(p.Spec.ImagePullSecrets) == 0 {
		return authn.NewMultiKeychain(), "", nil
	}
	var secrets []corev1.Secret
	var key []string
	for _, ref := range p.Spec.ImagePullSecrets {
		s, err := a.objects.Secret(ctx, p.Namespace, ref.Name)
		if err != nil {
			// As the kubelet: a missing pull secret is logged, and the
			// pull goes on without it.
			klog.FromContext(ctx).Info("Unable to retrieve pull secret, the image pull may not succeed", "pod", klog.KObj(p), "secret", ref.Name, "err", err)
			continue
		}
		secrets = append(secrets, *s)
		key = append(key, s.Name+"@"+s.ResourceVersion)
	}
	sort.Strings(key)
	kc, err := remote.SecretsKeychain(secrets)
	if err != nil {
		if kc == nil {
			return nil, "", fmt.Errorf("pull secrets of pod %s: %w", p.Name, err)
		}
		// The secrets that parse are used; the others are named here.
		klog.FromContext(ctx).Info("Some pull secrets cannot be read", "pod", klog.KObj(p), "err", err)
	}
	return kc, strings.Join(key, ","), nil
}

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }
