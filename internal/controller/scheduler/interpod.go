package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// The InterPodAffinity filter's reasons.
const (
	reasonPodAffinity         = "node(s) didn't match pod affinity rules"
	reasonPodAntiAffinity     = "node(s) didn't match pod anti-affinity rules"
	reasonExistingAntiAffinty = "node(s) didn't satisfy existing pods anti-affinity rules"
)

// cluster is what the pod-affinity checks look at: every node and the
// pods placed on each.
type cluster struct {
	nodes  []*corev1.Node
	placed map[string][]*corev1.Pod
}

// inDomain lists the pods on nodes sharing n's value of key; none when n
// lacks the label (no domain).
func (c cluster) inDomain(n *corev1.Node, key string) []*corev1.Pod {
	v, ok := n.Labels[key]
	if !ok {
		return nil
	}
	var out []*corev1.Pod
	for _, m := range c.nodes {
		if mv, ok := m.Labels[key]; ok && mv == v {
			out = append(out, c.placed[m.Name]...)
		}
	}
	return out
}

// termMatches: term, written in owner's pod spec, selects p. Its
// namespaces are the listed ones, else the owner's; an empty
// namespaceSelector means every namespace.
func termMatches(term corev1.PodAffinityTerm, owner, p *corev1.Pod) bool {
	if term.LabelSelector == nil {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
	if err != nil || !sel.Matches(labels.Set(p.Labels)) {
		return false
	}
	if ns := term.NamespaceSelector; ns != nil && len(ns.MatchLabels) == 0 && len(ns.MatchExpressions) == 0 {
		return true
	}
	if len(term.Namespaces) == 0 {
		return p.Namespace == owner.Namespace
	}
	for _, ns := range term.Namespaces {
		if ns == p.Namespace {
			return true
		}
	}
	return false
}

func anyMatch(term corev1.PodAffinityTerm, owner *corev1.Pod, pods []*corev1.Pod) bool {
	for _, p := range pods {
		if termMatches(term, owner, p) {
			return true
		}
	}
	return false
}

// interPodFilter is the InterPodAffinity filter for pod on n.
func interPodFilter(pod *corev1.Pod, n *corev1.Node, c cluster) string {
	if a := pod.Spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		for _, term := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			if anyMatch(term, pod, c.inDomain(n, term.TopologyKey)) {
				return reasonPodAntiAffinity
			}
		}
	}
	if a := pod.Spec.Affinity; a != nil && a.PodAffinity != nil {
		for _, term := range a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			if anyMatch(term, pod, c.inDomain(n, term.TopologyKey)) {
				continue
			}
			// The first pod of a group that selects itself may go anywhere
			// the topology key exists, as in Kubernetes.
			if _, ok := n.Labels[term.TopologyKey]; ok && termMatches(term, pod, pod) && !c.anyPodMatches(term, pod) {
				continue
			}
			return reasonPodAffinity
		}
	}
	for _, m := range c.nodes {
		for _, p := range c.placed[m.Name] {
			if p.Spec.Affinity == nil || p.Spec.Affinity.PodAntiAffinity == nil {
				continue
			}
			for _, term := range p.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
				mv, ok1 := m.Labels[term.TopologyKey]
				nv, ok2 := n.Labels[term.TopologyKey]
				if ok1 && ok2 && mv == nv && termMatches(term, p, pod) {
					return reasonExistingAntiAffinty
				}
			}
		}
	}
	return ""
}

func (c cluster) anyPodMatches(term corev1.PodAffinityTerm, owner *corev1.Pod) bool {
	for _, pods := range c.placed {
		if anyMatch(term, owner, pods) {
			return true
		}
	}
	return false
}

// preferredScore adds the weights of the pod's preferred terms n meets:
// node affinity terms, pod affinity terms with a matching pod in n's
// domain, minus pod anti-affinity terms with one.
func preferredScore(pod *corev1.Pod, n *corev1.Node, c cluster) int64 {
	a := pod.Spec.Affinity
	if a == nil {
		return 0
	}
	var score int64
	if na := a.NodeAffinity; na != nil && len(na.PreferredDuringSchedulingIgnoredDuringExecution) > 0 {
		if terms, err := nodeaffinity.NewPreferredSchedulingTerms(na.PreferredDuringSchedulingIgnoredDuringExecution); err == nil {
			score += terms.Score(n)
		}
	}
	if pa := a.PodAffinity; pa != nil {
		for _, t := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			if anyMatch(t.PodAffinityTerm, pod, c.inDomain(n, t.PodAffinityTerm.TopologyKey)) {
				score += int64(t.Weight)
			}
		}
	}
	if pa := a.PodAntiAffinity; pa != nil {
		for _, t := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			if anyMatch(t.PodAffinityTerm, pod, c.inDomain(n, t.PodAffinityTerm.TopologyKey)) {
				score -= int64(t.Weight)
			}
		}
	}
	return score
}
