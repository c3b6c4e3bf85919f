package agent

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/internal/agent/podenv"
	"github.com/ordo-dev/ordo/internal/runtime"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// volumeError is a volume that could not be prepared; the pod waits in
// ContainerCreating with a FailedMount event, as with the kubelet.
type volumeError struct{ msg string }

func (e *volumeError) Error() string { return e.msg }

// prepareVolumes makes every volume of the pod available on the node and
// returns each one's host path. It runs before the first container starts.
func (a *Agent) prepareVolumes(ctx context.Context, p *corev1.Pod) (map[string]string, error) {
	out := map[string]string{}
	for i := range p.Spec.Volumes {
		v := &p.Spec.Volumes[i]
		path, err := a.prepareVolume(ctx, p, v)
		if err != nil {
			return nil, &volumeError{msg: fmt.Sprintf("MountVolume.SetUp failed for volume %q : %v", v.Name, err)}
		}
		out[v.Name] = path
	}
	return out, nil
}

// prepareVolume sets up one volume. Like the kubelet, ordo keeps secret,
// projected and downwardAPI volumes and emptyDirs with medium Memory in
// RAM (a tmpfs per volume, see tmpfs.go), so secrets never reach the disk;
// configMap volumes and other emptyDirs live in the pod's directory.
func (a *Agent) prepareVolume(ctx context.Context, p *corev1.Pod, v *corev1.Volume) (string, error) {
	dir := a.volumeDir(p, v.Name)
	switch {
	case v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory:
		return dir, firstErr(a.ensureMemoryVolume(p, dir, scratchTmpfsMode, v.EmptyDir.SizeLimit), func() error { return applyFSGroup(p, dir, false) })
	case v.EmptyDir != nil:
		return dir, firstErr(makeScratchDir(dir), func() error { return applyFSGroup(p, dir, false) })
	case v.HostPath != nil:
		return v.HostPath.Path, checkHostPath(v.HostPath)
	case v.ConfigMap != nil:
		return dir, firstErr(a.writeConfigMap(ctx, p, dir, v.ConfigMap), func() error { return applyFSGroup(p, dir, true) })
	case v.Secret != nil, v.DownwardAPI != nil, v.Projected != nil:
		if err := a.ensureMemoryVolume(p, dir, apiDataTmpfsMode, nil); err != nil {
			return "", err
		}
		return dir, firstErr(a.writeAPIData(ctx, p, dir, v), func() error { return applyFSGroup(p, dir, true) })
	case v.PersistentVolumeClaim != nil:
		path, managed, err := a.persistentVolumePath(ctx, p, v.PersistentVolumeClaim)
		if err == nil && managed && !v.PersistentVolumeClaim.ReadOnly {
			err = applyFSGroup(p, path, false)
		}
		return path, err
	}
	return "", fmt.Errorf("this volume type is not supported by ordo yet")
}

// firstErr is err, or then's when err is nil.
func firstErr(err error, then func() error) error {
	if err != nil {
		return err
	}
	return then()
}

// makeScratchDir makes an on-disk emptyDir writable by any container user,
// as the kubelet's 0777.
func makeScratchDir(dir string) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	return os.Chmod(dir, 0o777)
}

// ensureMemoryVolume mounts the tmpfs of a memory-backed volume, sized as
// the kubelet sizes it.
func (a *Agent) ensureMemoryVolume(p *corev1.Pod, dir string, mode os.FileMode, sizeLimit *resource.Quantity) error {
	return ensureTmpfs(tmpfsConfig{dir: dir, mode: mode, size: memoryVolumeSize(p, sizeLimit, memTotal())})
}

// writeAPIData writes a secret, downwardAPI or projected volume.
func (a *Agent) writeAPIData(ctx context.Context, p *corev1.Pod, dir string, v *corev1.Volume) error {
	var (
		pl  payload
		err error
	)
	switch {
	case v.Secret != nil:
		pl, err = a.secretPayload(ctx, p.Namespace, v.Secret.SecretName, v.Secret.Items, v.Secret.DefaultMode, v.Secret.Optional)
	case v.DownwardAPI != nil:
		pl, err = downwardPayload(p, v.DownwardAPI.Items, v.DownwardAPI.DefaultMode, a.nodeStatus().Allocatable)
	case v.Projected != nil:
		pl, err = a.projectedPayload(ctx, p, v.Projected)
	}
	if err != nil {
		return err
	}
	return writeAtomicDir(dir, pl)
}

func (a *Agent) writeConfigMap(ctx context.Context, p *corev1.Pod, dir string, src *corev1.ConfigMapVolumeSource) error {
	pl, err := a.configMapPayload(ctx, p.Namespace, src.Name, src.Items, src.DefaultMode, src.Optional)
	if err != nil {
		return err
	}
	return writeAtomicDir(dir, pl)
}

// configMapPayload reads a ConfigMap for a volume or projection; a missing
// optional one is an empty payload.
func (a *Agent) configMapPayload(ctx context.Context, ns, name string, items []corev1.KeyToPath, mode *int32, optional *bool) (payload, error) {
	cm, err := a.cfg.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err) && optional != nil && *optional:
		return payload{}, nil
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("configmap %q not found", name)
	case err != nil:
		return nil, fmt.Errorf("get configmap %q: %w", name, err)
	}
	return keysPayload("configmap", configMapData(cm), items, mode, optional)
}

// secretPayload is configMapPayload for a Secret.
func (a *Agent) secretPayload(ctx context.Context, ns, name string, items []corev1.KeyToPath, mode *int32, optional *bool) (payload, error) {
	s, err := a.cfg.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err) && optional != nil && *optional:
		return payload{}, nil
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("secret %q not found", name)
	case err != nil:
		return nil, fmt.Errorf("get secret %q: %w", name, err)
	}
	return keysPayload("secret", s.Data, items, mode, optional)
}

func checkHostPath(h *corev1.HostPathVolumeSource) error {
	t := corev1.HostPathUnset
	if h.Type != nil {
		t = *h.Type
	}
	info, err := os.Stat(h.Path)
	switch t {
	case corev1.HostPathDirectoryOrCreate:
		if os.IsNotExist(err) {
			return os.MkdirAll(h.Path, 0o755)
		}
	case corev1.HostPathFileOrCreate:
		if os.IsNotExist(err) {
			return writeFile(h.Path, nil, 0o644)
		}
	case corev1.HostPathDirectory:
		if err != nil || !info.IsDir() {
			return fmt.Errorf("hostPath type check failed: %s is not a directory", h.Path)
		}
	case corev1.HostPathFile:
		if err != nil || !info.Mode().IsRegular() {
			return fmt.Errorf("hostPath type check failed: %s is not a file", h.Path)
		}
	case corev1.HostPathUnset:
		if os.IsNotExist(err) {
			return os.MkdirAll(h.Path, 0o755)
		}
	}
	return nil
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// containerMounts maps a container's volumeMounts (with subPath, or
// subPathExpr expanded from the container's environment env) onto the
// prepared volumes, after the pod's /etc files. ConfigMap, Secret,
// downwardAPI and projected volumes are read-only, as in Kubernetes.
func containerMounts(p *corev1.Pod, c *corev1.Container, volumes map[string]string, etc []runtime.Mount, env []string) ([]runtime.Mount, error) {
	out := append([]runtime.Mount{}, etc...)
	kinds := map[string]*corev1.Volume{}
	for i := range p.Spec.Volumes {
		kinds[p.Spec.Volumes[i].Name] = &p.Spec.Volumes[i]
	}
	for _, vm := range c.VolumeMounts {
		src, ok := volumes[vm.Name]
		if !ok {
			return nil, fmt.Errorf("volume %q is not prepared", vm.Name)
		}
		v := kinds[vm.Name]
		sub, err := subPath(vm, env)
		if err != nil {
			return nil, err
		}
		if sub != "" {
			src = filepath.Join(src, sub)
			// A missing subPath is made as a directory; an existing one (a
			// file of a configMap, say) is mounted as it is.
			if _, err := os.Stat(src); os.IsNotExist(err) && !isAPIData(v) {
				if err := os.MkdirAll(src, 0o777); err != nil {
					return nil, err
				}
			}
		}
		ro := vm.ReadOnly || isAPIData(v) || (v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ReadOnly)
		out = append(out, runtime.Mount{Source: src, Target: vm.MountPath, ReadOnly: ro})
	}
	return out, nil
}

// subPath is a mount's subPath, or its subPathExpr with $(VAR) expanded from
// env, as the kubelet makes it: a variable that is unset or empty is an
// error, and so is a result that is absolute or climbs out with "..".
func subPath(vm corev1.VolumeMount, env []string) (string, error) {
	if vm.SubPathExpr == "" {
		return vm.SubPath, nil
	}
	values := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			values[k] = v
		}
	}
	missing := map[string]bool{}
	sub := podenv.Expand(vm.SubPathExpr, func(name string) (string, bool) {
		v := values[name]
		if v == "" {
			missing[name] = true
		}
		return v, true
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("failed to prepare subPath for volumeMount %q: missing value for %s", vm.Name, strings.Join(slices.Sorted(maps.Keys(missing)), ", "))
	}
	if filepath.IsAbs(sub) {
		return "", fmt.Errorf("failed to prepare subPath for volumeMount %q: error SubPath `%s` must not be an absolute path", vm.Name, sub)
	}
	if slices.Contains(strings.Split(filepath.ToSlash(sub), "/"), "..") {
		return "", fmt.Errorf("failed to prepare subPath for volumeMount %q: unable to provision SubPath `%s`: must not contain '..'", vm.Name, sub)
	}
	return sub, nil
}

// isAPIData reports whether v's content follows API objects (configMap,
// secret, downwardAPI, projected): read-only in containers, refreshed in
// place.
func isAPIData(v *corev1.Volume) bool {
	return v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil || v.Projected != nil
}

// hasLiveVolumes reports whether the pod has volumes whose content follows
// API objects, which refresh in place.
func hasLiveVolumes(p *corev1.Pod) bool {
	for i := range p.Spec.Volumes {
		if isAPIData(&p.Spec.Volumes[i]) {
			return true
		}
	}
	return false
}

// syncLiveVolumes refreshes a running pod's API-data volumes every
// SyncFrequency, and sooner when one of its tokens is due for renewal. It
// returns when to look again.
func (a *Agent) syncLiveVolumes(ctx context.Context, p *corev1.Pod, st *pod) time.Duration {
	now := a.cfg.Clock.Now()
	due := a.tokens.nextRefresh(p.UID)
	meta := podMetaKey(p)
	// A change of the pod's own labels or annotations reaches its
	// downwardAPI files at once, as the kubelet's sync on a pod update does.
	metaChanged := st.volumesMeta != "" && meta != st.volumesMeta
	if metaChanged || now.Sub(st.volumesSynced) >= a.cfg.SyncFrequency || (!due.IsZero() && !now.Before(due)) {
		if !st.volumesSynced.IsZero() {
			a.refreshVolumes(ctx, p)
		}
		st.volumesSynced = now
	}
	st.volumesMeta = meta
	next := a.cfg.SyncFrequency
	if due := a.tokens.nextRefresh(p.UID); !due.IsZero() && due.Sub(now) < next {
		next = max(due.Sub(now), time.Second)
	}
	return next
}

// podMetaKey is what downwardAPI files may show of the pod's metadata.
func podMetaKey(p *corev1.Pod) string {
	return fmt.Sprintf("%v|%v", p.Labels, p.Annotations) // fmt sorts map keys
}

// refreshVolumes rewrites a running pod's configMap, secret, downwardAPI and
// projected volumes, as the kubelet does every sync period (and renews
// service-account tokens past 80% of their life). The containers see the
// new files through their bind mounts of the volume directories.
func (a *Agent) refreshVolumes(ctx context.Context, p *corev1.Pod) {
	for i := range p.Spec.Volumes {
		v := &p.Spec.Volumes[i]
		if !isAPIData(v) {
			continue
		}
		if _, err := a.prepareVolume(ctx, p, v); err != nil {
			a.event(p, corev1.EventTypeWarning, "FailedMount", "MountVolume.SetUp failed for volume %q : %v", v.Name, err)
		}
	}
}
