package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var pods = schema.GroupResource{Resource: "pods"}

func TestPodColumns(t *testing.T) {
	assertColumns(t, pods, &corev1.Pod{}, columnSet{
		normal: []string{"Name", "Ready", "Status", "Restarts", "Age"},
		wide:   []string{"IP", "Node", "Nominated Node", "Readiness Gates"},
	})
}

// pod builds a pod created 2 days ago with the given containers' statuses.
func pod(phase corev1.PodPhase, statuses ...corev1.ContainerStatus) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: ago(2 * day)},
		Status:     corev1.PodStatus{Phase: phase, ContainerStatuses: statuses},
	}
	for _, s := range statuses {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: s.Name})
	}
	return p
}

func running(name string, ready bool) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Ready: ready, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func waiting(name, reason string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
}

func terminated(name, reason string, code int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code}}}
}

// restarted records n restarts, the last one finishing d ago.
func restarted(s corev1.ContainerStatus, n int32, d time.Duration) corev1.ContainerStatus {
	s.RestartCount = n
	s.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, FinishedAt: ago(d)}
	return s
}

func TestPodRow(t *testing.T) {
	tests := []struct {
		name                    string
		pod                     *corev1.Pod
		ready, status, restarts string
	}{
		{"running", pod(corev1.PodRunning, running("a", true), running("b", true)), "2/2", "Running", "0"},
		{"pending without statuses", func() *corev1.Pod {
			p := pod(corev1.PodPending)
			p.Spec.Containers = []corev1.Container{{Name: "a"}}
			return p
		}(), "0/1", "Pending", "0"},
		{"creating", pod(corev1.PodPending, waiting("a", "ContainerCreating")), "0/1", "ContainerCreating", "0"},
		{"crash loop with restarts", pod(corev1.PodRunning, restarted(waiting("a", "CrashLoopBackOff"), 3, 5*time.Minute)), "0/1", "CrashLoopBackOff", "3 (5m ago)"},
		{"restarts without a recorded time", pod(corev1.PodRunning, func() corev1.ContainerStatus {
			s := running("a", true)
			s.RestartCount = 2
			return s
		}()), "1/1", "Running", "2"},
		{"completed", pod(corev1.PodSucceeded, terminated("a", "Completed", 0)), "0/1", "Completed", "0"},
		{"error", pod(corev1.PodFailed, terminated("a", "Error", 1)), "0/1", "Error", "0"},
		{"oom killed", pod(corev1.PodRunning, terminated("a", "OOMKilled", 137)), "0/1", "OOMKilled", "0"},
		{"exit code without reason", pod(corev1.PodFailed, terminated("a", "", 2)), "0/1", "ExitCode:2", "0"},
		{"first container has the final say", pod(corev1.PodRunning, waiting("a", "ImagePullBackOff"), running("b", true)), "1/2", "ImagePullBackOff", "0"},
		{"completed next to running and ready", func() *corev1.Pod {
			p := pod(corev1.PodRunning, terminated("a", "Completed", 0), running("b", true))
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
			return p
		}(), "1/2", "Running", "0"},
		{"completed next to running, pod not ready", pod(corev1.PodRunning, terminated("a", "Completed", 0), running("b", true)), "1/2", "NotReady", "0"},
		{"pod-level reason", func() *corev1.Pod {
			p := pod(corev1.PodFailed)
			p.Status.Reason = "Evicted"
			return p
		}(), "0/0", "Evicted", "0"},
		{"scheduling gated", func() *corev1.Pod {
			p := pod(corev1.PodPending)
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated}}
			return p
		}(), "0/0", "SchedulingGated", "0"},
		{"terminating", func() *corev1.Pod {
			p := pod(corev1.PodRunning, running("a", true))
			p.DeletionTimestamp = agoPtr(time.Second)
			return p
		}(), "1/1", "Terminating", "0"},
		{"deleting a finished pod keeps its outcome", func() *corev1.Pod {
			p := pod(corev1.PodSucceeded, terminated("a", "Completed", 0))
			p.DeletionTimestamp = agoPtr(time.Second)
			return p
		}(), "0/1", "Completed", "0"},
		{"node lost while deleting", func() *corev1.Pod {
			p := pod(corev1.PodRunning, running("a", true))
			p.DeletionTimestamp = agoPtr(time.Second)
			p.Status.Reason = "NodeLost"
			return p
		}(), "1/1", "Unknown", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := cellsOf(t, pods, tt.pod)
			if cells[0] != "web" || cells[1] != tt.ready || cells[2] != tt.status || cells[3] != tt.restarts || cells[4] != "2d" {
				t.Errorf("got %v, want [web %s %s %s 2d]", cells[:5], tt.ready, tt.status, tt.restarts)
			}
		})
	}
}

// initPod has two init containers and one app container, all waiting to start.
func initPod(initStatuses ...corev1.ContainerStatus) *corev1.Pod {
	p := pod(corev1.PodPending, waiting("app", "PodInitializing"))
	p.Spec.InitContainers = []corev1.Container{{Name: "init-a"}, {Name: "init-b"}}
	p.Status.InitContainerStatuses = initStatuses
	return p
}

func TestPodInitStatus(t *testing.T) {
	sidecar := func() *corev1.Pod {
		p := pod(corev1.PodRunning, running("app", true))
		p.Spec.InitContainers = []corev1.Container{{Name: "proxy", RestartPolicy: ptr(corev1.ContainerRestartPolicyAlways)}}
		s := restarted(running("proxy", true), 2, 10*time.Minute)
		s.Started = ptr(true)
		p.Status.InitContainerStatuses = []corev1.ContainerStatus{s}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}}
		return p
	}
	tests := []struct {
		name                    string
		pod                     *corev1.Pod
		ready, status, restarts string
	}{
		{"init waiting to initialize", initPod(waiting("init-a", "PodInitializing")), "0/1", "Init:0/2", "0"},
		{"first init running", initPod(running("init-a", false), waiting("init-b", "PodInitializing")), "0/1", "Init:0/2", "0"},
		{"second init running", initPod(terminated("init-a", "Completed", 0), running("init-b", false)), "0/1", "Init:1/2", "0"},
		{"init failed", initPod(restarted(terminated("init-a", "Error", 1), 4, time.Minute)), "0/1", "Init:Error", "4 (60s ago)"},
		{"init crash looping", initPod(waiting("init-a", "CrashLoopBackOff")), "0/1", "Init:CrashLoopBackOff", "0"},
		{"init killed by signal", initPod(corev1.ContainerStatus{Name: "init-a", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Signal: 9, ExitCode: 137}}}), "0/1", "Init:Signal:9", "0"},
		{"sidecar counts as a container", sidecar(), "2/2", "Running", "2 (10m ago)"},
		{"finished init restarts stop counting", func() *corev1.Pod {
			p := pod(corev1.PodRunning, restarted(running("app", true), 1, 3*time.Minute))
			p.Spec.InitContainers = []corev1.Container{{Name: "init-a"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{restarted(terminated("init-a", "Completed", 0), 2, time.Minute)}
			return p
		}(), "1/1", "Running", "1 (3m ago)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := cellsOf(t, pods, tt.pod)
			if cells[1] != tt.ready || cells[2] != tt.status || cells[3] != tt.restarts {
				t.Errorf("got %v, want [%s %s %s]", cells[1:4], tt.ready, tt.status, tt.restarts)
			}
		})
	}
}

func TestPodWideCells(t *testing.T) {
	p := pod(corev1.PodRunning, running("a", true))
	if got := cellsOf(t, pods, p)[5:]; got[0] != "<none>" || got[1] != "<none>" || got[2] != "<none>" || got[3] != "<none>" {
		t.Errorf("unscheduled wide cells = %v", got)
	}
	p.Spec.NodeName = "node-1"
	p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.5"}, {IP: "fd00::5"}}
	p.Status.NominatedNodeName = "node-2"
	p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}, {ConditionType: "example.com/dns"}}
	p.Status.Conditions = []corev1.PodCondition{{Type: "example.com/lb", Status: corev1.ConditionTrue}, {Type: "example.com/dns", Status: corev1.ConditionFalse}}
	assertCells(t, pods, p, "web", "1/1", "Running", "0", "2d", "10.0.0.5", "node-1", "node-2", "1/2")
}

func TestPodRowConditions(t *testing.T) {
	table := convert(t, pods, pod(corev1.PodSucceeded, terminated("a", "Completed", 0)))
	if c := table.Rows[0].Conditions; len(c) != 1 || c[0].Type != metav1.RowCompleted || c[0].Reason != "Succeeded" {
		t.Errorf("conditions = %+v", c)
	}
	if c := convert(t, pods, pod(corev1.PodRunning)).Rows[0].Conditions; c != nil {
		t.Errorf("running pod has conditions %+v", c)
	}
}

func TestPodIPFallsBackToSingularField(t *testing.T) {
	p := pod(corev1.PodRunning, running("a", true))
	p.Status.PodIP = "10.0.0.9"
	if got := cell(t, pods, p, "IP"); got != "10.0.0.9" {
		t.Errorf("ip = %v", got)
	}
}
