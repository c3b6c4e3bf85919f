package podenv

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// defaultedLimits are the limits the kubelet fills from node allocatable
// before answering a resourceFieldRef, so "limits.memory" of an unlimited
// container tells it how much the node can give rather than 0.
var defaultedLimits = []corev1.ResourceName{
	corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage,
}

// resourceFieldValue returns a container's request or limit for an env var,
// divided by the selector's divisor (1 when unset) and rounded up, as the
// kubelet does: 250m of CPU with divisor 1 is "1", 1G of memory with divisor
// 1Mi is "954". CPU is divided in milli-units, the others in whole units.
func resourceFieldValue(sel *corev1.ResourceFieldSelector, pod *corev1.Pod, self *corev1.Container, allocatable corev1.ResourceList) (string, error) {
	c, err := targetContainer(sel.ContainerName, pod, self)
	if err != nil {
		return "", err
	}
	kind, name, _ := strings.Cut(sel.Resource, ".")
	var list corev1.ResourceList
	switch kind {
	case "limits":
		list = limitsWithDefaults(c.Resources.Limits, allocatable)
	case "requests":
		list = c.Resources.Requests
	default:
		return "", unsupportedResource(sel.Resource)
	}
	divisor := sel.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	if divisor.Sign() < 0 {
		return "", fmt.Errorf("invalid divisor %s for %s", divisor.String(), sel.Resource)
	}
	q := list[corev1.ResourceName(name)]
	switch corev1.ResourceName(name) {
	case corev1.ResourceCPU:
		return ceilDiv(q.MilliValue(), divisor.MilliValue()), nil
	case corev1.ResourceMemory, corev1.ResourceEphemeralStorage:
		return ceilDiv(q.Value(), divisor.Value()), nil
	}
	return "", unsupportedResource(sel.Resource)
}

// targetContainer finds the container a selector names; an empty name means
// the container being started.
func targetContainer(name string, pod *corev1.Pod, self *corev1.Container) (*corev1.Container, error) {
	if name == "" || name == self.Name {
		return self, nil
	}
	for _, list := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i], nil
			}
		}
	}
	return nil, fmt.Errorf("container %s not found", name)
}

// limitsWithDefaults returns limits with every unset CPU, memory and
// ephemeral-storage limit taken from allocatable. limits is not modified.
func limitsWithDefaults(limits, allocatable corev1.ResourceList) corev1.ResourceList {
	out := make(corev1.ResourceList, len(limits)+len(defaultedLimits))
	for k, v := range limits {
		out[k] = v
	}
	for _, name := range defaultedLimits {
		if _, set := out[name]; set {
			continue
		}
		if v, ok := allocatable[name]; ok {
			out[name] = v.DeepCopy()
		}
	}
	return out
}

// ceilDiv divides and rounds up in integers, which is exact where the
// kubelet's float64 division is only exact below 2^53.
func ceilDiv(n, d int64) string {
	if d <= 0 {
		d = 1
	}
	q := n / d
	if n%d != 0 && n > 0 {
		q++
	}
	return strconv.FormatInt(q, 10)
}

func unsupportedResource(name string) error {
	return fmt.Errorf("unsupported container resource : %v", name)
}
