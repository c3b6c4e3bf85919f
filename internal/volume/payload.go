package volume

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/ordo-dev/ordo/internal/agent/podenv"
	corev1 "k8s.io/api/core/v1"
)

// file is one file of a volume's payload.
type file struct {
	data []byte
	mode os.FileMode
}

// payload is the complete content of a configMap, secret, downwardAPI or
// projected volume: relative path → file. The volume directory is made to
// hold exactly this (see writeAtomicDir).
type payload map[string]file

// keysPayload maps a ConfigMap's or Secret's keys onto files as the kubelet
// does: every key at its own name with defaultMode, or only the listed
// items at their paths with their own mode. A listed key that is missing is
// an error unless the volume is optional. kind names the object in errors
// ("configmap", "secret").
func keysPayload(kind string, data map[string][]byte, items []corev1.KeyToPath, defaultMode *int32, optional *bool) (payload, error) {
	mode := fileMode(defaultMode)
	out := payload{}
	if len(items) == 0 {
		for k, v := range data {
			out[k] = file{data: v, mode: mode}
		}
		return out, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional != nil && *optional {
				continue
			}
			return nil, fmt.Errorf("%s references non-existent %s key: %s", kind, configOrSecret(kind), it.Key)
		}
		m := mode
		if it.Mode != nil {
			m = fileMode(it.Mode)
		}
		out[it.Path] = file{data: v, mode: m}
	}
	return out, nil
}

// configOrSecret is the kubelet's word for a key of kind: "config key" or
// "secret key".
func configOrSecret(kind string) string {
	if kind == "configmap" {
		return "config"
	}
	return kind
}

// fileMode is a volume's mode field, 0644 (Kubernetes' default) when unset.
func fileMode(m *int32) os.FileMode {
	if m == nil {
		return 0o644
	}
	return os.FileMode(*m) & os.ModePerm
}

// configMapData is a ConfigMap's data and binaryData as bytes.
func configMapData(cm *corev1.ConfigMap) map[string][]byte {
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return data
}

// downwardPayload renders downward API items: pod fields (whole label and
// annotation maps as key="value" lines, as the kubelet writes them) and
// container resources.
func downwardPayload(p *corev1.Pod, items []corev1.DownwardAPIVolumeFile, defaultMode *int32, allocatable corev1.ResourceList) (payload, error) {
	out := payload{}
	for _, it := range items {
		value, err := downwardValue(p, it, allocatable)
		if err != nil {
			return nil, fmt.Errorf("downwardAPI item %q: %w", it.Path, err)
		}
		m := fileMode(defaultMode)
		if it.Mode != nil {
			m = fileMode(it.Mode)
		}
		out[it.Path] = file{data: []byte(value), mode: m}
	}
	return out, nil
}

func downwardValue(p *corev1.Pod, it corev1.DownwardAPIVolumeFile, allocatable corev1.ResourceList) (string, error) {
	switch {
	case it.FieldRef != nil && it.FieldRef.FieldPath == "metadata.labels":
		return formatMap(p.Labels), nil
	case it.FieldRef != nil && it.FieldRef.FieldPath == "metadata.annotations":
		return formatMap(p.Annotations), nil
	case it.FieldRef != nil:
		return podenv.FieldValue(it.FieldRef, p)
	case it.ResourceFieldRef != nil:
		return podenv.ResourceValue(it.ResourceFieldRef, p, allocatable)
	}
	return "", fmt.Errorf("one of fieldRef and resourceFieldRef is required")
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
