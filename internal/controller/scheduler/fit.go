package scheduler

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"

	"github.com/ordo-dev/ordo/internal/network/hostport"
)

// errReasonNodePorts is the NodePorts filter's reason.
const errReasonNodePorts = "node(s) didn't have free ports for the requested pod ports"

// fitHostPorts is the NodePorts filter: no pod on the node may hold one of
// the pod's host ports (same protocol and port, on the same address or
// either on all of them).
func fitHostPorts(p *corev1.Pod, placed []*corev1.Pod) string {
	want := hostport.Of(p)
	if len(want) == 0 {
		return ""
	}
	for _, q := range placed {
		if hostport.AnyConflict(want, hostport.Of(q)) {
			return errReasonNodePorts
		}
	}
	return ""
}

// requests is what a pod asks of a node, as Kubernetes' NodeResourcesFit
// counts it: the larger of its containers' sum and any init container,
// plus pod overhead.
func requests(p *corev1.Pod) corev1.ResourceList {
	return resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{})
}

// fitResources is the NodeResourcesFit filter: the node's allocatable cpu,
// memory and pod count must hold the pods on it plus this one. It returns
// Kubernetes' reason, or "".
func fitResources(p *corev1.Pod, n *corev1.Node, placed []*corev1.Pod) string {
	alloc := n.Status.Allocatable
	if max, ok := alloc[corev1.ResourcePods]; ok && int64(len(placed))+1 > max.Value() {
		return "Too many pods"
	}
	want := requests(p)
	used := corev1.ResourceList{}
	for _, q := range placed {
		for name, v := range requests(q) {
			sum := used[name]
			sum.Add(v)
			used[name] = sum
		}
	}
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		w, asked := want[name]
		if !asked || w.IsZero() {
			continue
		}
		free, ok := alloc[name]
		if !ok {
			continue
		}
		free = free.DeepCopy()
		u := used[name]
		free.Sub(u)
		if w.Cmp(free) > 0 {
			return fmt.Sprintf("Insufficient %s", name)
		}
	}
	return ""
}
