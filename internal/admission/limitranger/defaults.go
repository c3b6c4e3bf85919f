package limitranger

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Annotation records what the plugin set on a pod.
const Annotation = "kubernetes.io/limit-ranger"

// containerDefaults are one LimitRange's Container defaults.
func containerDefaults(lr *corev1.LimitRange) corev1.ResourceRequirements {
	var out corev1.ResourceRequirements
	for _, item := range lr.Spec.Limits {
		if item.Type != corev1.LimitTypeContainer {
			continue
		}
		if len(item.DefaultRequest) > 0 {
			out.Requests = item.DefaultRequest.DeepCopy()
		}
		if len(item.Default) > 0 {
			out.Limits = item.Default.DeepCopy()
		}
	}
	return out
}

// SetDefaults fills pod's containers' missing requests and limits from
// lr and annotates the pod with what it set.
func SetDefaults(lr *corev1.LimitRange, pod *corev1.Pod) {
	def := containerDefaults(lr)
	if len(def.Requests) == 0 && len(def.Limits) == 0 {
		return
	}
	var notes []string
	for i := range pod.Spec.Containers {
		notes = mergeContainer(&pod.Spec.Containers[i], def, "container", notes)
	}
	for i := range pod.Spec.InitContainers {
		notes = mergeContainer(&pod.Spec.InitContainers[i], def, "init container", notes)
	}
	if len(notes) == 0 {
		return
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[Annotation] = "LimitRanger plugin set: " + strings.Join(notes, "; ")
}

// mergeContainer sets the defaults c lacks and notes them, requests then
// limits, as "cpu, memory request for container app".
func mergeContainer(c *corev1.Container, def corev1.ResourceRequirements, what string, notes []string) []string {
	if c.Resources.Limits == nil {
		c.Resources.Limits = corev1.ResourceList{}
	}
	if c.Resources.Requests == nil {
		c.Resources.Requests = corev1.ResourceList{}
	}
	setLimits := fill(c.Resources.Limits, def.Limits)
	setRequests := fill(c.Resources.Requests, def.Requests)
	if len(setRequests) > 0 {
		notes = append(notes, fmt.Sprintf("%s request for %s %s", strings.Join(setRequests, ", "), what, c.Name))
	}
	if len(setLimits) > 0 {
		notes = append(notes, fmt.Sprintf("%s limit for %s %s", strings.Join(setLimits, ", "), what, c.Name))
	}
	return notes
}

// fill copies from's entries missing in into and returns their names, sorted.
func fill(into, from corev1.ResourceList) []string {
	var set []string
	for name, q := range from {
		if _, ok := into[name]; !ok {
			into[name] = q.DeepCopy()
			set = append(set, string(name))
		}
	}
	sort.Strings(set)
	return set
}
