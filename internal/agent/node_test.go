package agent

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestKeepExtendedResources: the heartbeat keeps the extended resources a
// client patched into the Node's capacity (SchedulerPreemption's
// scheduling.k8s.io/foo), with allocatable equal to capacity, and still
// owns what it measures.
func TestKeepExtendedResources(t *testing.T) {
	q := resource.MustParse
	have := corev1.NodeStatus{
		Capacity: corev1.ResourceList{corev1.ResourceCPU: q("64"), "scheduling.k8s.io/foo": q("5"),
			"kubernetes.io/made-up": q("1"), "hugepages-1Gi": q("1Gi")},
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: q("64"), "scheduling.k8s.io/foo": q("4"),
			"example.com/gone": q("3")},
	}
	status := corev1.NodeStatus{
		Capacity:    corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("4Gi")},
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("3Gi")},
	}
	keepExtendedResources(&status, have)
	want := corev1.NodeStatus{
		Capacity:    corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("4Gi"), "scheduling.k8s.io/foo": q("5")},
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("3Gi"), "scheduling.k8s.io/foo": q("5")},
	}
	for _, c := range []struct {
		what      string
		got, want corev1.ResourceList
	}{{"capacity", status.Capacity, want.Capacity}, {"allocatable", status.Allocatable, want.Allocatable}} {
		if len(c.got) != len(c.want) {
			t.Fatalf("%s = %v, want %v", c.what, c.got, c.want)
		}
		for name, w := range c.want {
			if g := c.got[name]; g.Cmp(w) != 0 {
				t.Errorf("%s[%s] = %s, want %s", c.what, name, g.String(), w.String())
			}
		}
	}
}
