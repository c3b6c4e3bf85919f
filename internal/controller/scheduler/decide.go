package scheduler

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// noNodesMessage is Kubernetes' wording when the cluster has no nodes.
const noNodesMessage = "no nodes available to schedule pods"

// needsScheduling says whether pod is this scheduler's to place now.
// Gated pods wait for their gates to be removed (an update requeues them).
func needsScheduling(pod *corev1.Pod) bool {
	return pod.Spec.NodeName == "" &&
		pod.DeletionTimestamp == nil &&
		(pod.Spec.SchedulerName == "" || pod.Spec.SchedulerName == corev1.DefaultSchedulerName) &&
		len(pod.Spec.SchedulingGates) == 0 &&
		pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}

// occupiesNode says whether a bound pod counts towards its node's load:
// finished pods hold nothing.
func occupiesNode(pod *corev1.Pod) bool {
	return pod.Spec.NodeName != "" && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}

// failureMessage renders the reasons as Kubernetes' FitError does:
// "0/N nodes are available: " then "<count> <reason>" sorted as strings.
func failureMessage(total int, reasons map[string]int) string {
	if total == 0 {
		return noNodesMessage
	}
	parts := make([]string, 0, len(reasons))
	for reason, n := range reasons {
		parts = append(parts, fmt.Sprintf("%d %s", n, reason))
	}
	sort.Strings(parts)
	return fmt.Sprintf("0/%d nodes are available: %s.", total, strings.Join(parts, ", "))
}

// setUnschedulable records in status that no node fits, and says whether
// that changed anything a reader would see (no write is needed otherwise).
// The transition time is kept while the condition stays False.
func setUnschedulable(status *corev1.PodStatus, msg string, generation int64, now time.Time) bool {
	want := corev1.PodCondition{
		Type:               corev1.PodScheduled,
		Status:             corev1.ConditionFalse,
		Reason:             corev1.PodReasonUnschedulable,
		Message:            msg,
		ObservedGeneration: generation,
		LastProbeTime:      metav1.NewTime(now),
		LastTransitionTime: metav1.NewTime(now),
	}
	for i, c := range status.Conditions {
		if c.Type != corev1.PodScheduled {
			continue
		}
		if c.Status == want.Status && c.Reason == want.Reason && c.Message == want.Message && c.ObservedGeneration == want.ObservedGeneration {
			return false
		}
		if c.Status == want.Status {
			want.LastTransitionTime = c.LastTransitionTime
		}
		status.Conditions[i] = want
		return true
	}
	status.Conditions = append(status.Conditions, want)
	return true
}

// podChanged says whether an update to a pod may matter to scheduling:
// it was bound, became pending (gates removed) or its spec changed
// (tolerations added). Status-only updates do not count.
func podChanged(old, cur *corev1.Pod) bool {
	return old.Spec.NodeName != cur.Spec.NodeName ||
		needsScheduling(old) != needsScheduling(cur) ||
		!reflect.DeepEqual(old.Spec, cur.Spec)
}

// nodeChanged says whether an update to a node can change where pods
// fit, so heartbeats (status times, leases) do not requeue every pending pod.
func nodeChanged(old, cur *corev1.Node) bool {
	oldReady, oldNotReady := readinessTaint(old)
	curReady, curNotReady := readinessTaint(cur)
	return old.Spec.Unschedulable != cur.Spec.Unschedulable ||
		oldNotReady != curNotReady || oldReady != curReady ||
		!reflect.DeepEqual(old.Labels, cur.Labels) ||
		!reflect.DeepEqual(old.Spec.Taints, cur.Spec.Taints) ||
		!equality.Semantic.DeepEqual(old.Status.Allocatable, cur.Status.Allocatable)
}

// scheduledMessage is Kubernetes' wording for the Scheduled event.
func scheduledMessage(pod *corev1.Pod, node string) string {
	return fmt.Sprintf("Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, node)
}
