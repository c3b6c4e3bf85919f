package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// offering adds a resource to the node's allocatable, as a device plugin
// or a patch of status.capacity/allocatable does for extended resources.
func offering(name corev1.ResourceName, q string) nodeOpt {
	return func(n *corev1.Node) {
		if n.Status.Allocatable == nil {
			n.Status.Allocatable = corev1.ResourceList{}
		}
		n.Status.Allocatable[name] = resource.MustParse(q)
	}
}

// asking adds a request (and the equal limit extended resources need) to
// the pod's first container.
func asking(name corev1.ResourceName, q string) podOpt {
	return func(p *corev1.Pod) {
		r := &p.Spec.Containers[0].Resources
		if r.Requests == nil {
			r.Requests = corev1.ResourceList{}
		}
		if r.Limits == nil {
			r.Limits = corev1.ResourceList{}
		}
		r.Requests[name], r.Limits[name] = resource.MustParse(q), resource.MustParse(q)
	}
}

const foo = corev1.ResourceName("example.com/foo")

func TestFitResources(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pod    *corev1.Pod
		node   *corev1.Node
		placed []*corev1.Pod
		want   string
	}{
		{name: "extended resource within allocatable",
			pod: pod("p", asking(foo, "2")), node: node("a", offering(foo, "5")),
			placed: []*corev1.Pod{pod("q", asking(foo, "3"))}},
		{name: "extended resource used up",
			pod: pod("p", asking(foo, "2")), node: node("a", offering(foo, "5")),
			placed: []*corev1.Pod{pod("q", asking(foo, "2")), pod("r", asking(foo, "2"))},
			want:   "Insufficient example.com/foo"},
		{name: "extended resource the node does not offer",
			pod: pod("p", asking(foo, "1")), node: node("a"),
			want: "Insufficient example.com/foo"},
		{name: "a zero request of an unoffered resource fits",
			pod: pod("p", asking(foo, "0")), node: node("a")},
		{name: "huge pages count as scalar resources",
			pod: pod("p", asking("hugepages-2Mi", "4Mi")), node: node("a", offering("hugepages-2Mi", "2Mi")),
			want: "Insufficient hugepages-2Mi"},
		{name: "ephemeral-storage against allocatable",
			pod: pod("p", asking(corev1.ResourceEphemeralStorage, "2Gi")), node: node("a", offering(corev1.ResourceEphemeralStorage, "3Gi")),
			placed: []*corev1.Pod{pod("q", asking(corev1.ResourceEphemeralStorage, "2Gi"))},
			want:   "Insufficient ephemeral-storage"},
		{name: "ephemeral-storage a node does not report is not checked",
			pod: pod("p", asking(corev1.ResourceEphemeralStorage, "2Gi")), node: node("a")},
		{name: "other pods' extended resources do not matter to a pod without",
			pod: pod("p"), node: node("a", offering(foo, "1")),
			placed: []*corev1.Pod{pod("q", asking(foo, "1"))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fitResources(tc.pod, tc.node, tc.placed); got != tc.want {
				t.Errorf("fitResources = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIsExtendedResource(t *testing.T) {
	for name, want := range map[corev1.ResourceName]bool{
		"example.com/foo": true, "scheduling.k8s.io/foo": true, "nvidia.com/gpu": true,
		"cpu": false, "hugepages-2Mi": false, "kubernetes.io/foo": false, "requests.example.com/foo": false,
	} {
		if got := isExtendedResource(name); got != want {
			t.Errorf("isExtendedResource(%q) = %v, want %v", name, got, want)
		}
	}
}
