package scheduler

import (
	"cmp"
	"slices"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/api/budget"
)

// preemption is the decision to make room for a pod on node by deleting
// victims, all of lower priority than the pod.
type preemption struct {
	node    string
	victims []*corev1.Pod
	// violations counts victims whose eviction breaks a budget.
	violations int
}

// priorityOf is a pod's priority as admission resolved it; 0 without.
func priorityOf(p *corev1.Pod) int32 { return ptr.Deref(p.Spec.Priority, 0) }

// mayPreempt is Kubernetes' PodEligibleToPreemptOthers: a pod with
// preemptionPolicy Never never preempts, and a pod already nominated to a
// node where a lower-priority pod is still terminating waits for it
// rather than preempting again.
func mayPreempt(pod *corev1.Pod, placed map[string][]*corev1.Pod) bool {
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == corev1.PreemptNever {
		return false
	}
	if nominated := pod.Status.NominatedNodeName; nominated != "" {
		for _, q := range placed[nominated] {
			if q.DeletionTimestamp != nil && priorityOf(q) < priorityOf(pod) {
				return false
			}
		}
	}
	return true
}

// pickPreemption is Kubernetes' DefaultPreemption for pod that fits no
// node as things are: on each node whose refusal preemption could change
// (not cordons, taints or node affinity), remove every lower-priority pod,
// check the pod fits, then give back as many of them as still lets it fit,
// the most important first and the ones a budget protects before the
// others. Of the nodes that work, it picks the fewest budget violations,
// then the lowest highest-priority victim, the lowest sum of priorities,
// the fewest victims, then the name. nil means preemption cannot help.
func pickPreemption(pod *corev1.Pod, nodes []*corev1.Node, placed map[string][]*corev1.Pod, pdbs []*policyv1.PodDisruptionBudget) *preemption {
	if !mayPreempt(pod, placed) {
		return nil
	}
	affinity := nodeaffinity.GetRequiredNodeAffinity(pod)
	var best *preemption
	for _, n := range nodes {
		if filter(pod, affinity, n) != "" {
			continue // unresolvable by preemption
		}
		p := victimsOn(pod, n, nodes, placed, pdbs)
		if p != nil && (best == nil || p.better(best)) {
			best = p
		}
	}
	return best
}

// victimsOn finds the smallest set of lower-priority pods on n whose
// removal lets pod fit, or nil.
func victimsOn(pod *corev1.Pod, n *corev1.Node, nodes []*corev1.Node, placed map[string][]*corev1.Pod, pdbs []*policyv1.PodDisruptionBudget) *preemption {
	var kept, candidates []*corev1.Pod
	for _, q := range placed[n.Name] {
		if q.DeletionTimestamp == nil && priorityOf(q) < priorityOf(pod) {
			candidates = append(candidates, q)
		} else {
			kept = append(kept, q)
		}
	}
	if len(candidates) == 0 || !fitsWith(pod, n, nodes, placed, kept) {
		return nil
	}
	// Most important first, so they are the first given back.
	slices.SortStableFunc(candidates, func(a, b *corev1.Pod) int { return cmp.Compare(priorityOf(b), priorityOf(a)) })
	violating, safe := splitByBudget(candidates, pdbs)
	p := &preemption{node: n.Name}
	reprieve := func(q *corev1.Pod, breaksBudget bool) {
		if fitsWith(pod, n, nodes, placed, append(slices.Clone(kept), q)) {
			kept = append(kept, q)
			return
		}
		p.victims = append(p.victims, q)
		if breaksBudget {
			p.violations++
		}
	}
	for _, q := range violating {
		reprieve(q, true)
	}
	for _, q := range safe {
		reprieve(q, false)
	}
	if len(p.victims) == 0 {
		return nil // it fits as things are: not a case for preemption
	}
	return p
}

// fitsWith says whether pod fits n if only kept remained on it.
func fitsWith(pod *corev1.Pod, n *corev1.Node, nodes []*corev1.Node, placed map[string][]*corev1.Pod, kept []*corev1.Pod) bool {
	trial := make(map[string][]*corev1.Pod, len(placed))
	for k, v := range placed {
		trial[k] = v
	}
	trial[n.Name] = kept
	return fitResources(pod, n, kept) == "" && fitHostPorts(pod, kept) == "" &&
		interPodFilter(pod, n, cluster{nodes: nodes, placed: trial}) == ""
}

// withNominated is placed plus, on each node, the pending pods nominated
// to it (after a preemption) whose priority is at least pod's, as
// Kubernetes' scheduler counts them when it filters nodes: the room a
// preemption made is kept for the preemptor, and a lower-priority pod
// (a preempted ReplicaSet's replacement) cannot take it in the meantime.
// pod itself is left out. placed is not changed.
func withNominated(pod *corev1.Pod, placed map[string][]*corev1.Pod, pods []*corev1.Pod) map[string][]*corev1.Pod {
	out := placed
	copied := false
	for _, q := range pods {
		n := q.Status.NominatedNodeName
		if n == "" || q.UID == pod.UID || !needsScheduling(q) || priorityOf(q) < priorityOf(pod) {
			continue
		}
		if !copied {
			out = make(map[string][]*corev1.Pod, len(placed))
			for k, v := range placed {
				out[k] = v
			}
			copied = true
		}
		assumed := q.DeepCopy()
		assumed.Spec.NodeName = n
		out[n] = append(slices.Clone(out[n]), assumed)
	}
	return out
}

// splitByBudget separates the pods whose eviction would take a budget
// below zero allowed disruptions from the others, counting them in order.
func splitByBudget(pods []*corev1.Pod, pdbs []*policyv1.PodDisruptionBudget) (violating, safe []*corev1.Pod) {
	allowed := make([]int32, len(pdbs))
	for i, pdb := range pdbs {
		allowed[i] = pdb.Status.DisruptionsAllowed
	}
	for _, q := range pods {
		breaks := false
		for i, pdb := range pdbs {
			if !budget.Covers(pdb, q) {
				continue
			}
			allowed[i]--
			if allowed[i] < 0 {
				breaks = true
			}
		}
		if breaks {
			violating = append(violating, q)
		} else {
			safe = append(safe, q)
		}
	}
	return violating, safe
}

// better orders preemptions as Kubernetes' pickOneNodeForPreemption does.
func (a *preemption) better(b *preemption) bool {
	if a.violations != b.violations {
		return a.violations < b.violations
	}
	if ha, hb := highest(a.victims), highest(b.victims); ha != hb {
		return ha < hb
	}
	if sa, sb := sumPriorities(a.victims), sumPriorities(b.victims); sa != sb {
		return sa < sb
	}
	if len(a.victims) != len(b.victims) {
		return len(a.victims) < len(b.victims)
	}
	return a.node < b.node
}

func highest(pods []*corev1.Pod) int32 {
	h := int32(-1 << 31)
	for _, q := range pods {
		h = max(h, priorityOf(q))
	}
	return h
}

// sumPriorities adds priorities shifted to be non-negative, as Kubernetes
// does, so that negative priorities do not make more victims look cheaper.
func sumPriorities(pods []*corev1.Pod) int64 {
	var s int64
	for _, q := range pods {
		s += int64(priorityOf(q)) + int64(1<<31)
	}
	return s
}
