package printers

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// nodeLostReason is the pod status reason the node lifecycle controller sets
// when a node stops reporting; such pods print as "Unknown" while deleting.
const nodeLostReason = "NodeLost"

// podSummary is what the READY, STATUS and RESTARTS columns show, derived the
// way Kubernetes derives them so that `kubectl get pods` reads the same.
type podSummary struct {
	ready, total int
	reason       string
	restarts     restartCount
}

// restartCount adds up container restarts and remembers the latest one, for
// the "3 (2m ago)" form of the RESTARTS column.
type restartCount struct {
	count int
	last  time.Time
}

func (r *restartCount) add(s corev1.ContainerStatus) {
	r.count += int(s.RestartCount)
	if t := s.LastTerminationState.Terminated; t != nil && t.FinishedAt.After(r.last) {
		r.last = t.FinishedAt.Time
	}
}

func (r restartCount) String(now time.Time) string {
	if r.count == 0 || r.last.IsZero() {
		return strconv.Itoa(r.count)
	}
	return fmt.Sprintf("%d (%s ago)", r.count, durationSince(r.last, now))
}

// summarizePod walks init containers, then app containers, letting the most
// telling state win, and finally lets deletion override everything.
func summarizePod(pod *corev1.Pod) podSummary {
	s := podSummary{total: len(pod.Spec.Containers), reason: initialPodReason(pod)}
	sidecars := sidecarNames(pod.Spec.InitContainers)
	s.total += len(sidecars)

	all, sidecarRestarts, initializing := s.scanInitContainers(pod, sidecars)
	s.restarts = all
	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		// Once initialised, finished init containers no longer matter; only
		// sidecars keep running and restarting alongside the app containers.
		s.restarts = sidecarRestarts
		s.scanContainers(pod)
	}
	s.reason = deletionReason(pod, s.reason)
	return s
}

// initialPodReason is the phase, refined by the pod-level reason and by
// scheduling gates.
func initialPodReason(pod *corev1.Pod) string {
	reason := string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			reason = corev1.PodReasonSchedulingGated
		}
	}
	return reason
}

// sidecarNames lists restartable init containers (restartPolicy Always),
// which count towards READY like app containers.
func sidecarNames(inits []corev1.Container) map[string]bool {
	names := map[string]bool{}
	for _, c := range inits {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			names[c.Name] = true
		}
	}
	return names
}

// scanInitContainers stops at the first init container still in the way and
// reports it as Init:<reason> or Init:N/M.
func (s *podSummary) scanInitContainers(pod *corev1.Pod, sidecars map[string]bool) (all, sidecarOnly restartCount, initializing bool) {
	for i, st := range pod.Status.InitContainerStatuses {
		all.add(st)
		if sidecars[st.Name] {
			sidecarOnly.add(st)
		}
		if reason, blocking := s.initContainerState(i, len(pod.Spec.InitContainers), st, sidecars[st.Name]); blocking {
			s.reason = reason
			return all, sidecarOnly, true
		}
	}
	return all, sidecarOnly, false
}

// initContainerState says whether init container i still blocks the pod and
// what STATUS should read if it does.
func (s *podSummary) initContainerState(i, count int, st corev1.ContainerStatus, sidecar bool) (string, bool) {
	term, wait := st.State.Terminated, st.State.Waiting
	switch {
	case term != nil && term.ExitCode == 0:
		return "", false
	case sidecar && st.Started != nil && *st.Started:
		if st.Ready {
			s.ready++
		}
		return "", false
	case term != nil:
		return "Init:" + terminatedReason(term), true
	case wait != nil && wait.Reason != "" && wait.Reason != "PodInitializing":
		return "Init:" + wait.Reason, true
	default:
		return fmt.Sprintf("Init:%d/%d", i, count), true
	}
}

// scanContainers goes through app containers last to first, so the first
// container's state has the final say, as in Kubernetes.
func (s *podSummary) scanContainers(pod *corev1.Pod) {
	running := false
	statuses := pod.Status.ContainerStatuses
	for i := len(statuses) - 1; i >= 0; i-- {
		st := statuses[i]
		s.restarts.add(st)
		switch {
		case st.State.Waiting != nil && st.State.Waiting.Reason != "":
			s.reason = st.State.Waiting.Reason
		case st.State.Terminated != nil:
			s.reason = terminatedReason(st.State.Terminated)
		case st.Ready && st.State.Running != nil:
			running = true
			s.ready++
		}
	}
	// A finished container next to a still running one does not make the
	// pod "Completed".
	if s.reason == "Completed" && running {
		s.reason = "NotReady"
		if podConditionTrue(pod, corev1.PodReady) {
			s.reason = "Running"
		}
	}
}

// terminatedReason names a terminated container's outcome, falling back to
// the signal or exit code when the runtime gave no reason.
func terminatedReason(t *corev1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return fmt.Sprintf("Signal:%d", t.Signal)
	default:
		return fmt.Sprintf("ExitCode:%d", t.ExitCode)
	}
}

// deletionReason shows a pod being deleted as Terminating, unless it already
// finished, or Unknown when its node is gone.
func deletionReason(pod *corev1.Pod, reason string) string {
	if pod.DeletionTimestamp == nil {
		return reason
	}
	if pod.Status.Reason == nodeLostReason {
		return "Unknown"
	}
	if pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed {
		return "Terminating"
	}
	return reason
}

// podConditionTrue reports whether the first condition of type t is True.
func podConditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
