package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kubernetes' condition taints: NoSchedule ones keep new pods off the node
// (its TaintNodesByCondition), NoExecute ones have the taint manager
// evict pods once their tolerations run out (taint-based eviction).
var (
	unreachableNoSchedule = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule}
	unreachableNoExecute  = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	notReadyNoSchedule    = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}
	notReadyNoExecute     = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}
)

// managedTaints are the taints this controller owns on every node: it adds
// and removes them, and leaves every other taint alone.
var managedTaints = []corev1.Taint{unreachableNoSchedule, unreachableNoExecute, notReadyNoSchedule, notReadyNoExecute}

// wantedTaints are the managed taints a node whose Ready condition has
// status ready should carry: unreachable when Unknown (its agent went
// quiet), not-ready when False (its agent says so), none when True. The
// NoExecute ones only when reported: the node has a Ready condition (its
// agent posted one, or this controller set it Unknown).
func wantedTaints(ready corev1.ConditionStatus, reported bool) []corev1.Taint {
	var out []corev1.Taint
	switch ready {
	case corev1.ConditionTrue:
		return nil
	case corev1.ConditionFalse:
		out = []corev1.Taint{notReadyNoSchedule, notReadyNoExecute}
	default:
		out = []corev1.Taint{unreachableNoSchedule, unreachableNoExecute}
	}
	if !reported {
		out = out[:1]
	}
	return out
}

func isManaged(t *corev1.Taint) bool {
	for i := range managedTaints {
		if t.MatchTaint(&managedTaints[i]) {
			return true
		}
	}
	return false
}

// taintsMatch reports whether the node's managed taints are exactly want.
func taintsMatch(current, want []corev1.Taint) bool {
	n := 0
	for i := range current {
		if !isManaged(&current[i]) {
			continue
		}
		n++
		if !containsTaint(want, &current[i]) {
			return false
		}
	}
	return n == len(want)
}

func containsTaint(taints []corev1.Taint, t *corev1.Taint) bool {
	for i := range taints {
		if taints[i].MatchTaint(t) {
			return true
		}
	}
	return false
}

// retainted is current with its managed taints replaced by want. A wanted
// taint already there keeps its timeAdded; a new one is stamped now.
func retainted(current, want []corev1.Taint, now time.Time) []corev1.Taint {
	var out []corev1.Taint
	for i := range current {
		if !isManaged(&current[i]) || containsTaint(want, &current[i]) {
			out = append(out, current[i])
		}
	}
	for i := range want {
		if !containsTaint(out, &want[i]) {
			added := want[i]
			added.TimeAdded = &metav1.Time{Time: now}
			out = append(out, added)
		}
	}
	return out
}
