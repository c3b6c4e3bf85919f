package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The conditions an agent posts, which go Unknown when it stops.
var agentConditions = []corev1.NodeConditionType{
	corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure,
}

// plan is what to do with one node.
type plan struct {
	// conditions, when set, replace the node's status conditions.
	conditions []corev1.NodeCondition
	// taints, when retaint is set, are the managed taints the node must
	// carry instead of its current ones (see taints.go).
	taints  []corev1.Taint
	retaint bool
	// podsNotReady marks the node's pods not Ready.
	podsNotReady bool
	// becameUnknown: Ready turned Unknown now (for the NodeNotReady event).
	becameUnknown bool
}

// decide is the whole decision for node n, last heard from at heard.
func decide(n *corev1.Node, heard, now time.Time, grace time.Duration) plan {
	var p plan
	quiet := now.Sub(heard) > grace
	if quiet {
		p.conditions, p.becameUnknown = unknownConditions(n.Status.Conditions, now)
	}
	ready := readyStatus(n.Status.Conditions)
	// A node that never posted Ready is new, not lost: within its grace
	// period it is not ready yet, kept off the schedule by
	// node.kubernetes.io/not-ready:NoSchedule (what Kubernetes' kubelet
	// registers a node with: Ready False until its first sync, plus the
	// TaintNodesByCondition admission's taint), evicts nothing, and its
	// pods are left alone. Only past the grace period does it go Unknown,
	// hence unreachable.
	reported := indexOf(n.Status.Conditions, corev1.NodeReady) >= 0
	if !reported {
		ready = corev1.ConditionFalse
	}
	if quiet {
		ready, reported = corev1.ConditionUnknown, true
	}
	p.taints = wantedTaints(ready, reported)
	p.retaint = !taintsMatch(n.Spec.Taints, p.taints)
	p.podsNotReady = ready == corev1.ConditionUnknown
	return p
}

// taintsStale: n's managed taints are not those its reported Ready
// condition calls for. It reads no heartbeat, so it never finds a node
// quiet; decide, which does, has the last word.
func taintsStale(n *corev1.Node) bool {
	reported := indexOf(n.Status.Conditions, corev1.NodeReady) >= 0
	ready := readyStatus(n.Status.Conditions)
	if !reported {
		ready = corev1.ConditionFalse
	}
	return !taintsMatch(n.Spec.Taints, wantedTaints(ready, reported))
}

// unknownConditions turns the agent's conditions Unknown, keeping their
// heartbeat times; it returns nil when they already are.
func unknownConditions(current []corev1.NodeCondition, now time.Time) ([]corev1.NodeCondition, bool) {
	out := append([]corev1.NodeCondition{}, current...)
	changed, readyTurned := false, false
	at := metav1.NewTime(now)
	for _, kind := range agentConditions {
		i := indexOf(out, kind)
		if i < 0 {
			out = append(out, corev1.NodeCondition{Type: kind, Status: corev1.ConditionUnknown,
				Reason: "NodeStatusNeverUpdated", Message: "Kubelet never posted node status.",
				LastHeartbeatTime: at, LastTransitionTime: at})
			changed, readyTurned = true, readyTurned || kind == corev1.NodeReady
			continue
		}
		if out[i].Status == corev1.ConditionUnknown {
			continue
		}
		out[i].Status, out[i].Reason, out[i].Message = corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."
		out[i].LastTransitionTime = at
		changed, readyTurned = true, readyTurned || kind == corev1.NodeReady
	}
	if !changed {
		return nil, false
	}
	return out, readyTurned
}

func indexOf(conds []corev1.NodeCondition, kind corev1.NodeConditionType) int {
	for i := range conds {
		if conds[i].Type == kind {
			return i
		}
	}
	return -1
}

func readyStatus(conds []corev1.NodeCondition) corev1.ConditionStatus {
	if i := indexOf(conds, corev1.NodeReady); i >= 0 {
		return conds[i].Status
	}
	return corev1.ConditionUnknown
}

// heartbeat is the agent's latest sign of life on the node: its Lease's
// renew time, or the Ready condition's heartbeat.
func heartbeat(n *corev1.Node, renew *metav1.MicroTime) time.Time {
	var t time.Time
	if renew != nil {
		t = renew.Time
	}
	if i := indexOf(n.Status.Conditions, corev1.NodeReady); i >= 0 && n.Status.Conditions[i].LastHeartbeatTime.After(t) {
		t = n.Status.Conditions[i].LastHeartbeatTime.Time
	}
	return t
}

// podNotReady is pod's status with its Ready condition False, as
// Kubernetes' MarkPodsNotReady leaves it, or nil when Ready is not True.
func podNotReady(pod *corev1.Pod, now time.Time) *corev1.PodStatus {
	st := pod.Status.DeepCopy()
	for i := range st.Conditions {
		if c := &st.Conditions[i]; c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			c.Status, c.LastTransitionTime = corev1.ConditionFalse, metav1.NewTime(now)
			return st
		}
	}
	return nil
}
