package podenv

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// FieldValue is a pod field for a downwardAPI volume file: the same values
// env vars get.
func FieldValue(sel *corev1.ObjectFieldSelector, pod *corev1.Pod) (string, error) {
	return fieldRefValue(sel, pod)
}

// ResourceValue is a container's request or limit for a downwardAPI volume
// file. Unlike an env var, a volume item must name its container.
func ResourceValue(sel *corev1.ResourceFieldSelector, pod *corev1.Pod, allocatable corev1.ResourceList) (string, error) {
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if list[i].Name == sel.ContainerName {
				return resourceFieldValue(sel, pod, &list[i], allocatable)
			}
		}
	}
	return "", fmt.Errorf("container %q not found in the pod", sel.ContainerName)
}
