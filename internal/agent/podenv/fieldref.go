package podenv

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// fieldRefValue returns the downward-API value of a pod field for an env var.
// The paths are those Kubernetes allows in env. Labels and annotations are
// read by subscript only; a missing key yields "", as in the kubelet.
//
// The kubelet reads status.hostIP(s) from the node and status.podIP(s) from
// the sandbox it just made; the agent gives the same facts through the pod's
// status, which it fills before starting containers.
func fieldRefValue(sel *corev1.ObjectFieldSelector, pod *corev1.Pod) (string, error) {
	if sel.APIVersion != "" && sel.APIVersion != "v1" {
		return "", fmt.Errorf("unsupported pod version: %s", sel.APIVersion)
	}
	if field, key, ok := splitSubscript(sel.FieldPath); ok {
		return subscriptedValue(pod, field, key)
	}
	switch sel.FieldPath {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "spec.terminationGracePeriodSeconds":
		return gracePeriod(pod), nil
	}
	return statusValue(pod, sel.FieldPath)
}

// statusValue answers the status.* paths.
func statusValue(pod *corev1.Pod, path string) (string, error) {
	switch path {
	case "status.hostIP":
		return firstIP(pod.Status.HostIP, hostIPs(pod)), nil
	case "status.hostIPs":
		return joinIPs(pod.Status.HostIP, hostIPs(pod)), nil
	case "status.podIP":
		return firstIP(pod.Status.PodIP, podIPs(pod)), nil
	case "status.podIPs":
		return joinIPs(pod.Status.PodIP, podIPs(pod)), nil
	}
	return "", fmt.Errorf("field label not supported: %s", path)
}

// subscriptedValue answers metadata.labels['k'] and metadata.annotations['k'].
func subscriptedValue(pod *corev1.Pod, field, key string) (string, error) {
	switch field {
	case "metadata.labels":
		return pod.Labels[key], nil
	case "metadata.annotations":
		return pod.Annotations[key], nil
	}
	return "", fmt.Errorf("field label does not support subscript: %s", field)
}

// splitSubscript splits "field['key']" into field and key; ok is false for a
// plain path.
func splitSubscript(path string) (field, key string, ok bool) {
	inner, found := strings.CutSuffix(path, "']")
	if !found {
		return "", "", false
	}
	field, key, found = strings.Cut(inner, "['")
	if !found || field == "" {
		return "", "", false
	}
	return field, key, true
}

// gracePeriod reports the pod's termination grace period, 30 s by default.
func gracePeriod(pod *corev1.Pod) string {
	if t := pod.Spec.TerminationGracePeriodSeconds; t != nil {
		return strconv.FormatInt(*t, 10)
	}
	return "30"
}

func hostIPs(pod *corev1.Pod) []string {
	out := make([]string, 0, len(pod.Status.HostIPs))
	for _, ip := range pod.Status.HostIPs {
		out = append(out, ip.IP)
	}
	return out
}

func podIPs(pod *corev1.Pod) []string {
	out := make([]string, 0, len(pod.Status.PodIPs))
	for _, ip := range pod.Status.PodIPs {
		out = append(out, ip.IP)
	}
	return out
}

// firstIP prefers the plural list (primary family first) over the singular
// field, which older writers may be the only ones to set.
func firstIP(single string, list []string) string {
	if len(list) > 0 {
		return list[0]
	}
	return single
}

// joinIPs renders the plural form as Kubernetes does: comma-separated.
func joinIPs(single string, list []string) string {
	if len(list) > 0 {
		return strings.Join(list, ",")
	}
	return single
}
