package podgc

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kubernetes' words for an orphan's deletion.
const (
	reasonOrphaned  = "DeletionByPodGC"
	messageOrphaned = "PodGC: node no longer exists"
)

// why a pod is force-deleted.
type why int

const (
	orphaned why = iota + 1
	outOfService
	unscheduled
)

func (w why) String() string {
	switch w {
	case orphaned:
		return "node no longer exists"
	case outOfService:
		return "terminating on an out-of-service node"
	default:
		return "terminating and unscheduled"
	}
}

// deletion is one pod to force-delete.
type deletion struct {
	pod *corev1.Pod
	why why
}

// plan is every pod to force-delete: nodes are the Nodes in the cache,
// gone the missing ones confirmed gone past the quarantine.
func plan(pods []*corev1.Pod, nodes map[string]*corev1.Node, gone map[string]bool) []deletion {
	var out []deletion
	for _, p := range pods {
		terminating := p.DeletionTimestamp != nil && !terminal(p)
		switch {
		case p.Spec.NodeName == "":
			if terminating {
				out = append(out, deletion{p, unscheduled})
			}
		case gone[p.Spec.NodeName]:
			out = append(out, deletion{p, orphaned})
		case terminating && outOfServiceNode(nodes[p.Spec.NodeName]):
			out = append(out, deletion{p, outOfService})
		}
	}
	return out
}

// missingNodes are the names of Nodes that pods are bound to and the cache
// does not have.
func missingNodes(pods []*corev1.Pod, nodes map[string]*corev1.Node) map[string]bool {
	out := map[string]bool{}
	for _, p := range pods {
		if n := p.Spec.NodeName; n != "" && nodes[n] == nil {
			out[n] = true
		}
	}
	return out
}

// quarantined updates since (when each missing node was first seen
// missing) and returns the nodes missing for at least quarantine: the
// ones to confirm gone with the API.
func quarantined(since map[string]time.Time, missing map[string]bool, now time.Time, quarantine time.Duration) []string {
	var due []string
	for n := range since {
		if !missing[n] {
			delete(since, n)
		}
	}
	for n := range missing {
		at, ok := since[n]
		if !ok {
			since[n] = now
			continue
		}
		if now.Sub(at) >= quarantine {
			due = append(due, n)
		}
	}
	return due
}

// outOfServiceNode: not Ready, and tainted out-of-service (any effect), as
// Kubernetes' PodGC checks.
func outOfServiceNode(n *corev1.Node) bool {
	if n == nil || ready(n) {
		return false
	}
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeOutOfService {
			return true
		}
	}
	return false
}

func ready(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// failedStatus is the status a force-deleted pod gets first: Failed, with
// DisruptionTarget for an orphan; nil when the pod is already terminal.
func failedStatus(d deletion, now time.Time) *corev1.PodStatus {
	if terminal(d.pod) {
		return nil
	}
	st := d.pod.Status.DeepCopy()
	st.Phase = corev1.PodFailed
	if d.why != orphaned {
		return st
	}
	cond := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
		Reason: reasonOrphaned, Message: messageOrphaned, LastTransitionTime: metav1.NewTime(now)}
	for i := range st.Conditions {
		if st.Conditions[i].Type == corev1.DisruptionTarget {
			st.Conditions[i] = cond
			return st
		}
	}
	st.Conditions = append(st.Conditions, cond)
	return st
}
