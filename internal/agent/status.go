package agent

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statusInput is everything the pod status is computed from.
type statusInput struct {
	pod    *corev1.Pod
	st     *pod
	hostIP string
	podIP  string
	now    time.Time
	// imageID is the imageID of a container of an image, reported once
	// the container has run, when its run recorded none.
	imageID func(image string) string
}

// podStatus computes the pod's status as the kubelet would report it.
func podStatus(in statusInput) corev1.PodStatus {
	p, st := in.pod, in.st
	s := corev1.PodStatus{
		Phase:    phase(p, st),
		HostIP:   in.hostIP,
		HostIPs:  []corev1.HostIP{{IP: in.hostIP}},
		PodIP:    in.podIP,
		QOSClass: p.Status.QOSClass,
		// The scheduler's, not the agent's.
		NominatedNodeName: p.Status.NominatedNodeName,
		// The spec this status was computed from, as the kubelet reports it.
		ObservedGeneration: p.Generation,
	}
	if in.podIP != "" {
		s.PodIPs = []corev1.PodIP{{IP: in.podIP}}
	}
	if !st.startTime.IsZero() {
		t := metav1.NewTime(st.startTime)
		s.StartTime = &t
	}
	if st.failedReason != "" {
		s.Reason, s.Message = st.failedReason, st.failedMessage
	}
	initPending := !initDone(p, st)
	for _, c := range p.Spec.InitContainers {
		s.InitContainerStatuses = append(s.InitContainerStatuses, initContainerStatus(p, st, c))
	}
	appWaiting := "ContainerCreating"
	if initPending {
		appWaiting = "PodInitializing"
	}
	for _, c := range p.Spec.Containers {
		s.ContainerStatuses = append(s.ContainerStatuses, containerStatus(p, st, c, appWaiting))
	}
	for i := range p.Spec.EphemeralContainers {
		s.EphemeralContainerStatuses = append(s.EphemeralContainerStatuses,
			containerStatus(p, st, ephemeralAsContainer(&p.Spec.EphemeralContainers[i]), "ContainerCreating"))
	}
	if in.imageID != nil {
		for _, list := range [][]corev1.ContainerStatus{s.InitContainerStatuses, s.ContainerStatuses, s.EphemeralContainerStatuses} {
			for i := range list {
				if list[i].ContainerID == "" {
					continue
				}
				if c := st.containers[list[i].Name]; c != nil && c.imageID != "" {
					list[i].ImageID = c.imageID
				} else {
					list[i].ImageID = in.imageID(list[i].Image)
				}
			}
		}
	}
	s.Conditions = conditions(p, st, s, in.now)
	return s
}

// phase follows the kubelet: Pending until containers run, Running while
// any runs or will restart, then Succeeded or Failed. A pod being deleted
// whose processes are all gone is terminal, as the kubelet reports it
// before the object goes: Succeeded if every container exited 0, else
// Failed. The Job controller counts such a pod (and podReplacementPolicy
// Failed waits for exactly this).
func phase(p *corev1.Pod, st *pod) corev1.PodPhase {
	if st.failedReason != "" || st.failedMessage != "" || initFailed(p, st) {
		return corev1.PodFailed
	}
	if p.DeletionTimestamp != nil && !st.anyRunning() {
		return deletedPhase(p, st)
	}
	if !initDone(p, st) {
		return corev1.PodPending
	}
	done, failed, active := 0, 0, 0
	for _, spec := range p.Spec.Containers {
		c := st.containers[spec.Name]
		switch {
		case c == nil:
		case c.running():
			active++
		case c.exited && shouldRestart(p.Spec.RestartPolicy, c.last.code):
			active++
		case c.exited:
			done++
			if c.last.code != 0 {
				failed++
			}
		}
	}
	switch {
	case done == len(p.Spec.Containers) && failed > 0:
		return corev1.PodFailed
	case done == len(p.Spec.Containers):
		return corev1.PodSucceeded
	case active+done > 0:
		return corev1.PodRunning
	}
	return corev1.PodPending
}

// deletedPhase is the terminal phase of a deleted pod with nothing running.
func deletedPhase(p *corev1.Pod, st *pod) corev1.PodPhase {
	for _, spec := range p.Spec.Containers {
		c := st.containers[spec.Name]
		if c == nil || !c.exited || c.last.code != 0 {
			return corev1.PodFailed
		}
	}
	return corev1.PodSucceeded
}

func initDone(p *corev1.Pod, st *pod) bool {
	for i, spec := range p.Spec.InitContainers {
		c := st.containers[spec.Name]
		if isSidecar(&p.Spec.InitContainers[i]) {
			if !sidecarUp(c) {
				return false
			}
			continue
		}
		if c == nil || c.running() || !c.exited || c.last.code != 0 {
			return false
		}
	}
	return true
}

func initFailed(p *corev1.Pod, st *pod) bool {
	if p.Spec.RestartPolicy != corev1.RestartPolicyNever {
		return false
	}
	for i, spec := range p.Spec.InitContainers {
		if isSidecar(&p.Spec.InitContainers[i]) {
			continue
		}
		if c := st.containers[spec.Name]; c != nil && c.exited && !c.running() && c.last.code != 0 {
			return true
		}
	}
	return false
}

// initContainerStatus reports an init container as the kubelet does:
// waiting as PodInitializing until it starts, and Ready once it has
// exited 0 (its work is done).
func initContainerStatus(p *corev1.Pod, st *pod, spec corev1.Container) corev1.ContainerStatus {
	cs := containerStatus(p, st, spec, "PodInitializing")
	if t := cs.State.Terminated; t != nil && t.ExitCode == 0 {
		cs.Ready = true
	}
	return cs
}

// containerStatus reports one container. notStarted is the waiting
// reason before its first start: ContainerCreating, or PodInitializing
// for init containers and for app containers waiting for them.
func containerStatus(p *corev1.Pod, st *pod, spec corev1.Container, notStarted string) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: spec.Name, Image: spec.Image, ImageID: "", Started: new(bool)}
	c := st.containers[spec.Name]
	if c == nil {
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: notStarted}
		return cs
	}
	cs.RestartCount = c.restarts
	if c.exited {
		cs.LastTerminationState.Terminated = terminated(c)
		cs.LastTerminationState.Terminated.ContainerID = lastRunID(p, c)
	}
	switch {
	case c.running():
		cs.ContainerID = containerID(p, c)
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(c.started)}
		started := c.probes == nil || c.probes.started.Load()
		cs.Started = &started
		cs.Ready = started && c.ready
	case c.waiting != "":
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: c.waiting, Message: c.waitingMsg}
	case c.exited && !shouldRestart(restartPolicyOf(p, spec.Name), c.last.code), c.exited && st.failedReason != "", c.exited && p.DeletionTimestamp != nil,
		c.exited && isSidecar(&spec) && mainFinished(p, st):
		cs.ContainerID = containerID(p, c)
		cs.State.Terminated = terminated(c)
		cs.State.Terminated.ContainerID = cs.ContainerID
		cs.LastTerminationState = corev1.ContainerState{}
	case c.exited:
		cs.State.Waiting = &corev1.ContainerStateWaiting{
			Reason:  "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s", restartDelay(c.crashes), spec.Name, formatPod(p)),
		}
		// The run that crashed is still the container's, as the kubelet
		// reports it while it backs off.
		cs.ContainerID = containerID(p, c)
	default:
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: notStarted}
	}
	return cs
}

func terminated(c *container) *corev1.ContainerStateTerminated {
	return &corev1.ContainerStateTerminated{
		ExitCode: c.last.code, Reason: c.last.reason, Message: c.last.message,
		StartedAt: metav1.NewTime(c.last.started), FinishedAt: metav1.NewTime(c.last.finished),
	}
}

// containerID names one run of a container: the pod's UID, the
// container's name and the run's number, so it is unique per run and the
// same after an agent restart (the run number is the restart count).
func containerID(p *corev1.Pod, c *container) string {
	return runID(p, c.name, c.restarts)
}

// lastRunID is the ID of the run that ended last: the one before the
// current run while the container runs, else the latest.
func lastRunID(p *corev1.Pod, c *container) string {
	if c.running() {
		return runID(p, c.name, c.restarts-1)
	}
	return containerID(p, c)
}

func runID(p *corev1.Pod, name string, run int32) string {
	return fmt.Sprintf("ordo://%s-%s-%d", p.UID, name, run)
}

// agentConditions are the pod conditions the agent owns, as the kubelet
// owns them; every other type (PodScheduled, DisruptionTarget, readiness
// gates) belongs to someone else and is carried over unchanged.
var agentConditions = map[corev1.PodConditionType]bool{
	corev1.PodReadyToStartContainers: true, corev1.PodInitialized: true,
	corev1.ContainersReady: true, corev1.PodReady: true,
}

// conditions are PodReadyToStartContainers, Initialized, ContainersReady
// and Ready, plus every condition of other owners from the object, keeping
// transition times of conditions whose status did not change. Previous
// statuses come from the agent's latest status, when it has one (written
// or still queued: a queued one another replaces before its write still
// happened on the node), else from what it last reported, since the
// informer's copy of the pod can lag behind its own last write.
func conditions(p *corev1.Pod, st *pod, s corev1.PodStatus, now time.Time) []corev1.PodCondition {
	previous := p.Status.Conditions
	switch {
	case st.latest != nil:
		previous = st.latest.Conditions
	case st.reported != nil:
		previous = st.reported.Conditions
	}
	terminal := s.Phase == corev1.PodSucceeded || s.Phase == corev1.PodFailed
	var out []corev1.PodCondition
	add := func(t corev1.PodConditionType, ok bool, reason, message string) {
		c := corev1.PodCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason, Message: message, ObservedGeneration: p.Generation}
		if ok {
			c.Status, c.Reason, c.Message = corev1.ConditionTrue, "", ""
		}
		c.LastTransitionTime = metav1.NewTime(now)
		for _, old := range previous {
			if old.Type == t && old.Status == c.Status {
				c.LastTransitionTime = old.LastTransitionTime
			}
		}
		out = append(out, c)
	}
	add(corev1.PodReadyToStartContainers, st.sandbox != nil, "", "")
	uninit := incomplete(s.InitContainerStatuses, func(cs corev1.ContainerStatus) bool {
		return cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0
	})
	add(corev1.PodInitialized, len(uninit) == 0 || terminal && s.Phase == corev1.PodSucceeded, "ContainersNotInitialized", names("containers with incomplete status", uninit))
	// Sidecars count towards readiness, as in Kubernetes.
	unready := incomplete(append(sidecarStatuses(p, s), s.ContainerStatuses...), func(cs corev1.ContainerStatus) bool { return cs.Ready })
	reason := "ContainersNotReady"
	if terminal {
		reason = "PodCompleted"
	}
	add(corev1.ContainersReady, len(unready) == 0 && !terminal, reason, names("containers with unready status", unready))
	add(corev1.PodReady, len(unready) == 0 && !terminal, reason, names("containers with unready status", unready))
	for _, c := range p.Status.Conditions {
		if !agentConditions[c.Type] {
			out = append(out, c)
		}
	}
	return out
}

// sidecarStatuses are the statuses of the pod's sidecar init containers.
func sidecarStatuses(p *corev1.Pod, s corev1.PodStatus) []corev1.ContainerStatus {
	var out []corev1.ContainerStatus
	for i, cs := range s.InitContainerStatuses {
		if i < len(p.Spec.InitContainers) && isSidecar(&p.Spec.InitContainers[i]) {
			out = append(out, cs)
		}
	}
	return out
}

func incomplete(statuses []corev1.ContainerStatus, ok func(corev1.ContainerStatus) bool) []string {
	var out []string
	for _, cs := range statuses {
		if !ok(cs) {
			out = append(out, cs.Name)
		}
	}
	sort.Strings(out)
	return out
}

func names(prefix string, list []string) string {
	if len(list) == 0 {
		return ""
	}
	return fmt.Sprintf("%s: [%s]", prefix, strings.Join(list, " "))
}
