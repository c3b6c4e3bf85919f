package agent

import (
	"errors"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/agent/podenv"
	"github.com/ordo-dev/ordo/internal/image"
	"github.com/ordo-dev/ordo/internal/images"
	"github.com/ordo-dev/ordo/internal/runtime"
	"github.com/ordo-dev/ordo/internal/volume"
)

// configErrorRetry is how soon a container whose configuration could not be
// resolved (a missing Secret, say) is tried again.
const configErrorRetry = 10 * time.Second

// Volume mounts are retried sooner, with the kubelet volume manager's
// doubling back-off: a pod made in a new namespace may start before the
// namespace's kube-root-ca.crt, which its token volume projects, exists.
const (
	firstMountRetry = 500 * time.Millisecond
	maxMountRetry   = 2*time.Minute + 2*time.Second
)

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// startInput is everything a container start is decided from: the pod,
// the container, its resolved environment and the pod's prepared volumes.
type startInput struct {
	pod       *corev1.Pod
	spec      *corev1.Container
	resolved  podenv.Resolved
	volumes   map[string]string // volume name → host path
	etcMounts []runtime.Mount   // the pod's /etc/hosts, hostname, resolv.conf
	images    *images.Table     // what an image runs when no command is given
	// imageVolumes is where the container's image volumes live (a
	// directory of the pod's, per container).
	imageVolumes string
	// passwd is the passwd file the container sees, for its user's HOME.
	passwd string
	// image, when set, is the stored image whose root the container runs
	// on, with its /etc/passwd and /etc/group; nil runs the image table's
	// entry over the host's root.
	image     *image.Image
	userFiles userFiles
}

// startPlan is what the runtime is asked to run. The launcher adds what
// needs I/O first: the termination-log mount, the log pipes, the cgroups.
type startPlan struct {
	argv            []string
	env             []string
	workingDir      string
	uid, gid        *int64
	groups          []int64
	noNewPrivileges bool
	readOnlyRoot    bool // readOnlyRootFilesystem
	// capabilities is the mask the process keeps; nil keeps all (privileged).
	capabilities *uint64
	mounts       []runtime.Mount
	// copies are the image's files copied into the container's root.
	copies []runtime.Mount
	// imageVolumes are the host directories of the image's volumes, which
	// the launcher makes before the start.
	imageVolumes []string
	// layers are the image's unpacked layers, base first: the root is
	// theirs, not the host's.
	layers []string
}

// planStart decides a container's start. An error is a configuration the
// container cannot start with (CreateContainerConfigError).
func planStart(in startInput) (startPlan, error) {
	p, spec := in.pod, in.spec
	// After the environment: subPathExpr expands from it.
	mounts, err := volume.ContainerMounts(p, spec, in.volumes, in.etcMounts, in.resolved.Env)
	if err != nil {
		return startPlan{}, err
	}
	if in.image != nil {
		return planImageStart(in, mounts)
	}
	uid, gid := runAs(p, spec)
	if err := nonRootViolation(p, spec, uid, uid != nil); err != nil {
		return startPlan{}, err
	}
	caps, err := containerCapabilities(spec)
	if err != nil {
		return startPlan{}, err
	}
	image, err := in.images.Resolve(spec.Image, in.resolved.Command, in.resolved.Args)
	if err != nil {
		return startPlan{}, err
	}
	var imageMounts []runtime.Mount
	var volumeDirs []string
	for _, f := range image.Files {
		imageMounts = append(imageMounts, runtime.Mount{Source: f.Host, Target: f.Container, ReadOnly: true})
	}
	var copies []runtime.Mount
	for _, f := range image.Copies {
		copies = append(copies, runtime.Mount{Source: f.Host, Target: f.Container})
	}
	for _, v := range image.Volumes {
		dir := filepath.Join(in.imageVolumes, strings.ReplaceAll(strings.Trim(v, "/"), "/", "_"))
		volumeDirs = append(volumeDirs, dir)
		imageMounts = append(imageMounts, runtime.Mount{Source: dir, Target: v})
	}
	return startPlan{
		argv: image.Argv, env: withDefaults(underImageEnv(image.Env, in.resolved.Env), hostname(p), passwdHome(in.passwd, uid)), workingDir: workingDir(spec.WorkingDir, image.WorkingDir),
		uid: uid, gid: gid, groups: supplementalGroups(p), noNewPrivileges: noNewPrivileges(spec), capabilities: caps,
		readOnlyRoot: spec.SecurityContext != nil && spec.SecurityContext.ReadOnlyRootFilesystem != nil && *spec.SecurityContext.ReadOnlyRootFilesystem,
		mounts:       append(imageMounts, mounts...), // the pod's volumes go over the image's
		copies:       copies,
		imageVolumes: volumeDirs,
	}, nil
}

// workingDir is the container's own, else its image's WORKDIR, as a
// runtime applies an image's config.
func workingDir(container, image string) string {
	if container != "" {
		return container
	}
	return image
}

// underImageEnv is the image's env defaults with the container's env over
// them, as a container runtime merges an image's ENV.
func underImageEnv(image, container []string) []string {
	if len(image) == 0 {
		return container
	}
	set := map[string]bool{}
	for _, kv := range container {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	var out []string
	for _, kv := range image {
		if k, _, _ := strings.Cut(kv, "="); !set[k] {
			out = append(out, kv)
		}
	}
	return append(out, container...)
}

// startErrorReason is the waiting reason of a start that could not be
// planned: an image with nothing to run is a CreateContainerError, as a
// runtime's failure to create the container is; the rest is
// configuration (CreateContainerConfigError).
func startErrorReason(err error) string {
	var none *images.NoCommandError
	var create *createError
	if errors.As(err, &none) || errors.As(err, &create) {
		return "CreateContainerError"
	}
	return "CreateContainerConfigError"
}

// mountRetryAfter is the next volume-mount back-off after one more
// failure.
func mountRetryAfter(previous time.Duration) time.Duration {
	return min(max(2*previous, firstMountRetry), maxMountRetry)
}

func findContainer(p *corev1.Pod, name string) *corev1.Container {
	for i := range p.Spec.InitContainers {
		if p.Spec.InitContainers[i].Name == name {
			return &p.Spec.InitContainers[i]
		}
	}
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == name {
			return &p.Spec.Containers[i]
		}
	}
	for i := range p.Spec.EphemeralContainers {
		if p.Spec.EphemeralContainers[i].Name == name {
			c := ephemeralAsContainer(&p.Spec.EphemeralContainers[i])
			return &c
		}
	}
	return nil
}

// ephemeralAsContainer is an ephemeral container as the container it runs
// as (the two share their fields; validation has refused ports, probes,
// lifecycle and resources).
func ephemeralAsContainer(ec *corev1.EphemeralContainer) corev1.Container {
	return corev1.Container(*ec.EphemeralContainerCommon.DeepCopy())
}

// hostname is spec.hostname, else the pod's name, as in Kubernetes.
func hostname(p *corev1.Pod) string {
	h := p.Spec.Hostname
	if h == "" {
		h = p.Name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

// runAs is the container's user and group, falling back to the pod's.
func runAs(p *corev1.Pod, c *corev1.Container) (uid, gid *int64) {
	if sc := p.Spec.SecurityContext; sc != nil {
		uid, gid = sc.RunAsUser, sc.RunAsGroup
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = sc.RunAsGroup
		}
	}
	return uid, gid
}

// withDefaults adds what a container runtime always sets: PATH when the
// container has none, HOSTNAME, and HOME when the container has none (as
// runc sets it, from the user's passwd entry).
func withDefaults(env []string, host, home string) []string {
	out := make([]string, 0, len(env)+3)
	hasPath, hasHome := false, false
	for _, e := range env {
		hasPath = hasPath || strings.HasPrefix(e, "PATH=")
		hasHome = hasHome || strings.HasPrefix(e, "HOME=")
	}
	if !hasPath {
		out = append(out, defaultPath)
	}
	out = append(out, "HOSTNAME="+host)
	out = append(out, env...)
	if !hasHome {
		out = append(out, "HOME="+home)
	}
	return out
}
