package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func allocatable(cpu, mem string, pods int64) nodeOpt {
	return func(n *corev1.Node) {
		n.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu),
			corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourcePods: *resource.NewQuantity(pods, resource.DecimalSI)}
	}
}

func requesting(cpu, mem string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
	}
}

func label(k, v string) podOpt {
	return func(p *corev1.Pod) {
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels[k] = v
	}
}

func hostTerm(app string) corev1.PodAffinityTerm {
	return corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname",
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}}
}

func antiRequired(app string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{hostTerm(app)}}}
	}
}

func affinityRequired(app string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{hostTerm(app)}}}
	}
}

// antiPreferred is seed 003's rule: prefer hosts without another redis.
func antiPreferred(app string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: hostTerm(app)}}}}
	}
}

func TestPickNodeResourcesAndPodAffinity(t *testing.T) {
	small := allocatable("2", "1Gi", 3)
	cases := []struct {
		name    string
		pod     *corev1.Pod
		nodes   []*corev1.Node
		placed  map[string][]*corev1.Pod
		want    string
		reasons map[string]int
	}{
		{"cpu", pod("p", requesting("1500m", "10Mi")), []*corev1.Node{node("a", small), node("b", small)},
			map[string][]*corev1.Pod{"a": {pod("x", onNode("a"), requesting("1", "10Mi"))}}, "b", nil},
		{"cpu nowhere", pod("p", requesting("3", "10Mi")), []*corev1.Node{node("a", small)}, nil, "",
			map[string]int{"Insufficient cpu": 1}},
		{"memory", pod("p", requesting("100m", "800Mi")), []*corev1.Node{node("a", small)},
			map[string][]*corev1.Pod{"a": {pod("x", onNode("a"), requesting("100m", "300Mi"))}}, "", map[string]int{"Insufficient memory": 1}},
		{"pod count", pod("p"), []*corev1.Node{node("a", small)},
			map[string][]*corev1.Pod{"a": {pod("x", onNode("a")), pod("y", onNode("a")), pod("z", onNode("a"))}}, "", map[string]int{"Too many pods": 1}},
		{"anti-affinity avoids the host", pod("p", label("app", "redis"), antiRequired("redis")), []*corev1.Node{node("a"), node("b")},
			map[string][]*corev1.Pod{"a": {pod("r0", onNode("a"), label("app", "redis"))}, "b": {pod("o1", onNode("b")), pod("o2", onNode("b"))}}, "b", nil},
		{"anti-affinity everywhere", pod("p", antiRequired("redis")), []*corev1.Node{node("a")},
			map[string][]*corev1.Pod{"a": {pod("r0", onNode("a"), label("app", "redis"))}}, "", map[string]int{reasonPodAntiAffinity: 1}},
		{"existing pod's anti-affinity", pod("p", label("app", "web")), []*corev1.Node{node("a"), node("b")},
			map[string][]*corev1.Pod{"a": {pod("lonely", onNode("a"), antiRequired("web"))}, "b": {pod("o1", onNode("b"))}}, "b", nil},
		{"affinity follows the cache", pod("p", affinityRequired("cache")), []*corev1.Node{node("a"), node("b")},
			map[string][]*corev1.Pod{"b": {pod("c0", onNode("b"), label("app", "cache")), pod("o", onNode("b"))}}, "b", nil},
		{"affinity with nothing to follow", pod("p", affinityRequired("cache")), []*corev1.Node{node("a")}, nil, "",
			map[string]int{reasonPodAffinity: 1}},
		{"first of a self-selecting group", pod("p", label("app", "cache"), affinityRequired("cache")), []*corev1.Node{node("a")}, nil, "a", nil},
		{"other namespace does not count", pod("p", antiRequired("redis")), []*corev1.Node{node("a")},
			map[string][]*corev1.Pod{"a": {pod("r0", onNode("a"), label("app", "redis"), func(p *corev1.Pod) { p.Namespace = "other" })}}, "a", nil},
		{"seed 003: preferred anti-affinity spreads", pod("p", label("app", "redis"), antiPreferred("redis")), []*corev1.Node{node("a"), node("b")},
			map[string][]*corev1.Pod{"a": {pod("r0", onNode("a"), label("app", "redis"))}, "b": {pod("o1", onNode("b")), pod("o2", onNode("b"))}}, "b", nil},
		{"seed 003: preferred, one node", pod("p", label("app", "redis"), antiPreferred("redis")), []*corev1.Node{node("a")},
			map[string][]*corev1.Pod{"a": {pod("r0", onNode("a"), label("app", "redis"))}}, "a", nil},
		{"preferred node affinity", pod("p", func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{
				Weight: 10, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"ssd"}}}}}}}}
		}), []*corev1.Node{node("a"), node("b", labelled("disk", "ssd"))},
			map[string][]*corev1.Pod{"b": {pod("o1", onNode("b"))}}, "b", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, reasons := pickNode(c.pod, c.nodes, c.placed, podVolumes{})
			if got != c.want {
				t.Fatalf("picked %q, want %q (reasons %v)", got, c.want, reasons)
			}
			for r, n := range c.reasons {
				if reasons[r] != n {
					t.Errorf("reasons %v, want %q ×%d", reasons, r, n)
				}
			}
		})
	}
}
