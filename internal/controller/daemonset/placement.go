package daemonset

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"
)

// Taint keys of the tolerations every DaemonSet pod gets.
const (
	taintNotReady           = "node.kubernetes.io/not-ready"
	taintUnreachable        = "node.kubernetes.io/unreachable"
	taintDiskPressure       = "node.kubernetes.io/disk-pressure"
	taintMemoryPressure     = "node.kubernetes.io/memory-pressure"
	taintPIDPressure        = "node.kubernetes.io/pid-pressure"
	taintUnschedulable      = "node.kubernetes.io/unschedulable"
	taintNetworkUnavailable = "node.kubernetes.io/network-unavailable"
)

// daemonTolerations are the tolerations Kubernetes' DaemonSet controller
// adds to its pods: daemons stay through a node's conditions (not ready,
// unreachable, under pressure, cordoned), and host-network daemons (CNI
// plugins) run before the network is up.
func daemonTolerations(spec *corev1.PodSpec) []corev1.Toleration {
	exists := func(key string, effect corev1.TaintEffect) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: effect}
	}
	out := []corev1.Toleration{
		exists(taintNotReady, corev1.TaintEffectNoExecute),
		exists(taintUnreachable, corev1.TaintEffectNoExecute),
		exists(taintDiskPressure, corev1.TaintEffectNoSchedule),
		exists(taintMemoryPressure, corev1.TaintEffectNoSchedule),
		exists(taintPIDPressure, corev1.TaintEffectNoSchedule),
		exists(taintUnschedulable, corev1.TaintEffectNoSchedule),
	}
	if spec.HostNetwork {
		out = append(out, exists(taintNetworkUnavailable, corev1.TaintEffectNoSchedule))
	}
	return out
}

// withDaemonTolerations adds the daemon tolerations the spec lacks (a
// toleration with the same key and effect counts as present, as upstream's
// AddOrUpdateTolerationInPodSpec replaces it).
func withDaemonTolerations(spec *corev1.PodSpec) {
	for _, t := range daemonTolerations(spec) {
		found := false
		for i := range spec.Tolerations {
			if spec.Tolerations[i].Key == t.Key && spec.Tolerations[i].Effect == t.Effect {
				spec.Tolerations[i] = t
				found = true
				break
			}
		}
		if !found {
			spec.Tolerations = append(spec.Tolerations, t)
		}
	}
}

// placement is where a DaemonSet's pod belongs on one node.
type placement struct {
	// run: the node should run a daemon pod (one is created if missing).
	run bool
	// keep: a daemon pod already there may stay (a NoSchedule taint added
	// after the pod started does not evict it).
	keep bool
}

// place decides whether node should run ds's pod, as Kubernetes'
// NodeShouldRunDaemonPod: the template's nodeName, nodeSelector and
// required node affinity must match; NoSchedule and NoExecute taints must
// be tolerated (with the daemon tolerations) to run, and NoExecute ones
// to keep running.
func place(node *corev1.Node, ds *appsv1.DaemonSet) placement {
	spec := &ds.Spec.Template.Spec
	if spec.NodeName != "" && spec.NodeName != node.Name {
		return placement{}
	}
	pod := &corev1.Pod{Spec: *spec.DeepCopy()}
	withDaemonTolerations(&pod.Spec)
	if ok, err := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node); err != nil || !ok {
		return placement{}
	}
	untolerated := func(effects ...corev1.TaintEffect) bool {
		_, found := corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), node.Spec.Taints, pod.Spec.Tolerations, func(t *corev1.Taint) bool {
			for _, e := range effects {
				if t.Effect == e {
					return true
				}
			}
			return false
		}, false)
		return found
	}
	if untolerated(corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute) {
		return placement{keep: !untolerated(corev1.TaintEffectNoExecute)}
	}
	return placement{run: true, keep: true}
}

// targetNode is the node a daemon pod is for: its nodeName once bound,
// before that the node its injected affinity names.
func targetNode(p *corev1.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range term.MatchFields {
			if f.Key == metadataName && f.Operator == corev1.NodeSelectorOpIn && len(f.Values) == 1 {
				return f.Values[0]
			}
		}
	}
	return ""
}

// metadataName is the node field the injected affinity matches on.
const metadataName = "metadata.name"

// bindToNode replaces the required node affinity with one term naming
// the node, as Kubernetes does: the controller already checked the
// template's own affinity against it, and the scheduler then places the
// pod there (or leaves it Pending, saying why).
func bindToNode(spec *corev1.PodSpec, node string) {
	if spec.Affinity == nil {
		spec.Affinity = &corev1.Affinity{}
	}
	if spec.Affinity.NodeAffinity == nil {
		spec.Affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{
			{Key: metadataName, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}},
	}
}
