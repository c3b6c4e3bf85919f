package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
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

// fitResources is the NodeResourcesFit filter: the node's allocatable pod
// count, cpu, memory and ephemeral-storage, and every scalar resource the
// pod asks for (extended resources such as example.com/foo, hugepages-*,
// attachable-volumes-*), must hold the pods on it plus this one. A scalar
// resource the node does not offer counts as 0 allocatable, as in
// Kubernetes; cpu, memory and ephemeral-storage a node does not report are
// not checked. It returns Kubernetes' reason, or "".
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
	insufficient := func(name corev1.ResourceName, free resource.Quantity) bool {
		free = free.DeepCopy()
		u := used[name]
		free.Sub(u)
		w := want[name]
		return w.Cmp(free) > 0
	}
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		w, asked := want[name]
		if !asked || w.IsZero() {
			continue
		}
		free, ok := alloc[name]
		if !ok {
			continue
		}
		if insufficient(name, free) {
			return fmt.Sprintf("Insufficient %s", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if w := want[name]; !isScalarResource(name) || w.IsZero() {
			continue
		}
		if insufficient(name, alloc[name]) {
			return fmt.Sprintf("Insufficient %s", name)
		}
	}
	return ""
}

// isScalarResource is Kubernetes' IsScalarResourceName: the resources
// NodeResourcesFit counts besides cpu, memory, ephemeral-storage and pods —
// extended resources (a domain outside kubernetes.io), huge pages,
// kubernetes.io-prefixed native resources and attachable volumes.
func isScalarResource(name corev1.ResourceName) bool {
	s := string(name)
	return isExtendedResource(name) || strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) ||
		strings.Contains(s, corev1.ResourceDefaultNamespacePrefix) ||
		strings.HasPrefix(s, corev1.ResourceAttachableVolumesPrefix)
}

// isExtendedResource is Kubernetes' IsExtendedResourceName: a name with a
// domain other than kubernetes.io that is still a qualified name once
// prefixed with "requests.".
func isExtendedResource(name corev1.ResourceName) bool {
	s := string(name)
	if !strings.Contains(s, "/") || strings.Contains(s, corev1.ResourceDefaultNamespacePrefix) ||
		strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return len(validation.IsQualifiedName(corev1.DefaultResourceRequestsPrefix+s)) == 0
}
