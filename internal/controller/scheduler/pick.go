package scheduler

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"
)

// The reasons Kubernetes' filter plugins give, so `kubectl describe pod`
// reads the same as on a real cluster.
const (
	reasonUnschedulable = "node(s) were unschedulable"
	reasonAffinity      = "node(s) didn't match Pod's node affinity/selector"
)

// Taints Kubernetes puts on nodes that are not ready; a node whose Ready
// condition is not True is reported as if it carried them.
const (
	taintNotReady    = "node.kubernetes.io/not-ready"
	taintUnreachable = "node.kubernetes.io/unreachable"
)

// pickNode is the whole scheduling decision. It returns the chosen node,
// or "" and, per reason, how many nodes failed for it. placed holds the
// non-terminal pods on each node; vols are the pod's claims' volumes
// (the VolumeBinding filter).
//
// Topology spread is ignored for now, and priorities matter only to
// preemption (see the package doc).
func pickNode(pod *corev1.Pod, nodes []*corev1.Node, placed map[string][]*corev1.Pod, vols podVolumes) (string, map[string]int) {
	affinity := nodeaffinity.GetRequiredNodeAffinity(pod)
	c := cluster{nodes: nodes, placed: placed}
	var best *candidate
	reasons := map[string]int{}
	for _, n := range nodes {
		why := filter(pod, affinity, n)
		if why == "" {
			why = fitResources(pod, n, placed[n.Name])
		}
		if why == "" {
			why = fitHostPorts(pod, placed[n.Name])
		}
		if why == "" {
			why = fitVolumes(vols, n)
		}
		if why == "" {
			why = interPodFilter(pod, n, c)
		}
		if why != "" {
			reasons[why]++
			continue
		}
		cand := &candidate{name: n.Name, score: preferredScore(pod, n, c), load: len(placed[n.Name])}
		if best == nil || cand.better(best) {
			best = cand
		}
	}
	if best != nil {
		return best.name, nil
	}
	return "", reasons
}

// candidate is a node that passed every filter.
type candidate struct {
	name  string
	score int64 // preferred affinity weights met
	load  int   // pods on it
}

// better orders candidates: higher preferred-affinity score, then fewer
// pods, then by name, so the choice is deterministic and load spreads.
func (a *candidate) better(b *candidate) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.load != b.load {
		return a.load < b.load
	}
	return a.name < b.name
}

// filter returns why pod cannot go to n, or "" when it can.
func filter(pod *corev1.Pod, affinity nodeaffinity.RequiredNodeAffinity, n *corev1.Node) string {
	if n.Spec.Unschedulable && !tolerates(pod, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}) {
		return reasonUnschedulable
	}
	if t, ok := readinessTaint(n); ok {
		// Not tolerable: without a running agent the pod would never start.
		return taintReason(t)
	}
	if t, ok := untoleratedTaint(pod, n); ok {
		return taintReason(t)
	}
	if ok, err := affinity.Match(n); err != nil || !ok {
		return reasonAffinity
	}
	return ""
}

// readinessTaint stands in for the taint Kubernetes' node lifecycle
// controller would add when Ready is not True.
func readinessTaint(n *corev1.Node) (corev1.Taint, bool) {
	for _, c := range n.Status.Conditions {
		if c.Type != corev1.NodeReady {
			continue
		}
		switch c.Status {
		case corev1.ConditionTrue:
			return corev1.Taint{}, false
		case corev1.ConditionUnknown:
			return corev1.Taint{Key: taintUnreachable, Effect: corev1.TaintEffectNoSchedule}, true
		}
	}
	return corev1.Taint{Key: taintNotReady, Effect: corev1.TaintEffectNoSchedule}, true
}

// untoleratedTaint finds a NoSchedule/NoExecute taint the pod does not
// tolerate; PreferNoSchedule only affects scoring, which is not done.
func untoleratedTaint(pod *corev1.Pod, n *corev1.Node) (corev1.Taint, bool) {
	hard := func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
	}
	return corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), n.Spec.Taints, pod.Spec.Tolerations, hard, false)
}

func tolerates(pod *corev1.Pod, t corev1.Taint) bool {
	return corev1helpers.TolerationsTolerateTaint(klog.Background(), pod.Spec.Tolerations, &t, false)
}

func taintReason(t corev1.Taint) string {
	return fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value)
}
