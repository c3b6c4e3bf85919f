package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ordo-dev/ordo/internal/runtime"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

func (a *Agent) prepareVolume(ctx context.Context, p *corev1.Pod, v *corev1.Volume) (string, error) {
	dir := filepath.Join(a.podDir(p), "volumes", v.Name)
	switch {
	case v.EmptyDir != nil:
		if v.EmptyDir.Medium == corev1.StorageMediumMemory {
			a.event(p, corev1.EventTypeWarning, "MemoryMediumOnDisk",
				"emptyDir %q asks for medium Memory; ordo keeps it on disk under the pod's directory for now", v.Name)
		}
		return dir, os.MkdirAll(dir, 0o777)
	case v.HostPath != nil:
		return v.HostPath.Path, checkHostPath(v.HostPath)
	case v.ConfigMap != nil:
		return dir, a.writeConfigMap(ctx, p, dir, v.ConfigMap)
	case v.Secret != nil:
		return dir, a.writeSecret(ctx, p, dir, v.Secret)
	case v.DownwardAPI != nil:
		return dir, writeDownwardAPI(p, dir, v.DownwardAPI)
	case v.PersistentVolumeClaim != nil:
		return "", fmt.Errorf("persistentVolumeClaim volumes need a bound PersistentVolume, which ordo does not provide yet")
	}
	return "", fmt.Errorf("this volume type is not supported by ordo yet")
}

func (a *Agent) writeConfigMap(ctx context.Context, p *corev1.Pod, dir string, src *corev1.ConfigMapVolumeSource) error {
	cm, err := a.cfg.Client.CoreV1().ConfigMaps(p.Namespace).Get(ctx, src.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && src.Optional != nil && *src.Optional {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return fmt.Errorf("configmap %q not found", src.Name)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return writeKeys(dir, data, src.Items, src.DefaultMode, src.Optional)
}

func (a *Agent) writeSecret(ctx context.Context, p *corev1.Pod, dir string, src *corev1.SecretVolumeSource) error {
	s, err := a.cfg.Client.CoreV1().Secrets(p.Namespace).Get(ctx, src.SecretName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && src.Optional != nil && *src.Optional {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return fmt.Errorf("secret %q not found", src.SecretName)
	}
	return writeKeys(dir, s.Data, src.Items, src.DefaultMode, src.Optional)
}

// writeKeys writes a ConfigMap's or Secret's keys as files: all keys, or the
// listed items at their paths, with defaultMode or each item's mode.
func writeKeys(dir string, data map[string][]byte, items []corev1.KeyToPath, defaultMode *int32, optional *bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if defaultMode != nil {
		mode = os.FileMode(*defaultMode)
	}
	if len(items) == 0 {
		for k := range data {
			items = append(items, corev1.KeyToPath{Key: k, Path: k})
		}
	}
	keep := map[string]bool{}
	for _, it := range items {
		keep[strings.SplitN(it.Path, "/", 2)[0]] = true
	}
	if err := removeOthers(dir, keep); err != nil {
		return err
	}
	for _, it := range items {
		value, ok := data[it.Key]
		if !ok {
			if optional != nil && *optional {
				continue
			}
			return fmt.Errorf("configmap references non-existent config key: %s", it.Key)
		}
		m := mode
		if it.Mode != nil {
			m = os.FileMode(*it.Mode)
		}
		if err := writeFile(filepath.Join(dir, it.Path), value, m); err != nil {
			return err
		}
	}
	return nil
}

// writeDownwardAPI writes the pod fields a downwardAPI volume lists.
func writeDownwardAPI(p *corev1.Pod, dir string, src *corev1.DownwardAPIVolumeSource) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, it := range src.Items {
		if it.FieldRef == nil {
			return fmt.Errorf("downwardAPI item %q: only fieldRef is supported by ordo yet", it.Path)
		}
		value, err := podField(p, it.FieldRef.FieldPath)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, it.Path), []byte(value), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func podField(p *corev1.Pod, path string) (string, error) {
	switch path {
	case "metadata.name":
		return p.Name, nil
	case "metadata.namespace":
		return p.Namespace, nil
	case "metadata.uid":
		return string(p.UID), nil
	case "metadata.labels":
		return formatMap(p.Labels), nil
	case "metadata.annotations":
		return formatMap(p.Annotations), nil
	}
	return "", fmt.Errorf("unsupported fieldPath %q", path)
}

// formatMap renders labels as the kubelet does: key="value" lines, sorted.
func formatMap(m map[string]string) string {
	var lines []string
	for k, v := range m {
		lines = append(lines, fmt.Sprintf("%s=%q", k, v))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
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

// containerMounts maps a container's volumeMounts (with subPath) onto the
// prepared volumes, after the pod's /etc files. ConfigMap, Secret and
// downwardAPI volumes are read-only, as in Kubernetes.
func containerMounts(p *corev1.Pod, c *corev1.Container, volumes map[string]string, etc []runtime.Mount) ([]runtime.Mount, error) {
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
		if vm.SubPath != "" {
			src = filepath.Join(src, vm.SubPath)
			if err := os.MkdirAll(src, 0o777); err != nil {
				return nil, err
			}
		}
		v := kinds[vm.Name]
		ro := vm.ReadOnly || v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil
		out = append(out, runtime.Mount{Source: src, Target: vm.MountPath, ReadOnly: ro})
	}
	return out, nil
}

// removeOthers deletes the entries of dir not in keep: keys removed from a
// ConfigMap or Secret disappear from its volume on the next refresh.
func removeOthers(dir string, keep map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !keep[e.Name()] {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// hasLiveVolumes reports whether the pod has volumes whose content follows
// API objects (configMap, secret, downwardAPI), which refresh in place.
func hasLiveVolumes(p *corev1.Pod) bool {
	for _, v := range p.Spec.Volumes {
		if v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil {
			return true
		}
	}
	return false
}

// refreshVolumes rewrites a running pod's configMap, secret and downwardAPI
// volumes, as the kubelet does every sync period. The containers see the
// new files through their bind mounts of the volume directories.
func (a *Agent) refreshVolumes(ctx context.Context, p *corev1.Pod) {
	for i := range p.Spec.Volumes {
		v := &p.Spec.Volumes[i]
		if v.ConfigMap == nil && v.Secret == nil && v.DownwardAPI == nil {
			continue
		}
		if _, err := a.prepareVolume(ctx, p, v); err != nil {
			a.event(p, corev1.EventTypeWarning, "FailedMount", "MountVolume.SetUp failed for volume %q : %v", v.Name, err)
		}
	}
}
