package volume

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ordo-dev/ordo/internal/agent/podenv"
	"github.com/ordo-dev/ordo/internal/runtime"
	corev1 "k8s.io/api/core/v1"
)

// ContainerMounts maps a container's volumeMounts (with subPath, or
// subPathExpr expanded from the container's environment env) onto the
// prepared volumes (Prepare's result), after the pod's /etc files etc.
// ConfigMap, Secret, downwardAPI, projected and image volumes are
// read-only, as in Kubernetes. An error is a configuration the container cannot start with.
func ContainerMounts(p *corev1.Pod, c *corev1.Container, volumes map[string]string, etc []runtime.Mount, env []string) ([]runtime.Mount, error) {
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
		switch {
		case sub != "" && IsImage(v):
			// An image cannot be written: its subPath must be in it.
			if src, err = imageSubPath(src, sub); err != nil {
				return nil, fmt.Errorf("failed to prepare subPath for volumeMount %q of image volume %q: %w", vm.Name, vm.Name, err)
			}
		case sub != "" && isAPIData(v):
			// The API data's own files and links (key -> ..data/key),
			// which the pod cannot change.
			if src, err = apiDataSubPath(src, sub); err != nil {
				return nil, fmt.Errorf("failed to prepare subPath for volumeMount %q: %w", vm.Name, err)
			}
		case sub != "":
			// A missing subPath is made as a directory; an existing one is
			// mounted as it is, its symlinks resolved inside the volume.
			if src, err = subPathSource(src, sub); err != nil {
				return nil, fmt.Errorf("failed to prepare subPath for volumeMount %q: %w", vm.Name, err)
			}
		}
		ro := vm.ReadOnly || isAPIData(v) || IsImage(v) || (v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ReadOnly)
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
