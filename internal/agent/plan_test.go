package agent

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/runtime"
)

var t0 = time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)

func TestRestartDelayDoublesToFiveMinutes(t *testing.T) {
	want := []time.Duration{10, 20, 40, 80, 160, 300, 300}
	for i, w := range want {
		if got := restartDelay(i + 1); got != w*time.Second {
			t.Errorf("crash %d: %s, want %s", i+1, got, w*time.Second)
		}
	}
	if nextCrashes(5, 9*time.Minute) != 6 || nextCrashes(5, 10*time.Minute) != 1 {
		t.Error("a container running 10 minutes must reset its back-off")
	}
}

func testPod(policy corev1.RestartPolicy, init []string, apps ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "u"}, Spec: corev1.PodSpec{RestartPolicy: policy}}
	for _, n := range init {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: n})
	}
	for _, n := range apps {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n})
	}
	return p
}

func exited(code int32, notUntil time.Time) *container {
	return &container{exited: true, last: termination{code: code, reason: "Error"}, notUntil: notUntil, crashes: 1, runs: 1}
}

func state(cs map[string]*container) *pod {
	st := &pod{containers: map[string]*container{}, startTime: t0}
	for n, c := range cs {
		c.name = n
		st.containers[n] = c
	}
	return st
}

func TestPlan(t *testing.T) {
	deleting := testPod(corev1.RestartPolicyAlways, nil, "a")
	deleting.DeletionTimestamp = &metav1.Time{Time: t0}
	deadline := testPod(corev1.RestartPolicyAlways, nil, "a")
	deadline.Spec.ActiveDeadlineSeconds = ptr.To[int64](60)
	cases := []struct {
		name                 string
		pod                  *corev1.Pod
		st                   *pod
		now                  time.Time
		start                []string
		stop, finalize, fail bool
		requeue              time.Duration
	}{
		{"new pod starts every app container", testPod(corev1.RestartPolicyAlways, nil, "a", "b"), state(nil), t0, []string{"a", "b"}, false, false, false, 0},
		{"init containers go first, one at a time", testPod(corev1.RestartPolicyAlways, []string{"i1", "i2"}, "a"), state(nil), t0, []string{"i1"}, false, false, false, 0},
		{"second init after the first exits 0", testPod(corev1.RestartPolicyAlways, []string{"i1", "i2"}, "a"), state(map[string]*container{"i1": exited(0, t0)}), t0, []string{"i2"}, false, false, false, 0},
		{"failed init with Never fails the pod", testPod(corev1.RestartPolicyNever, []string{"i1"}, "a"), state(map[string]*container{"i1": exited(1, t0)}), t0, nil, false, false, true, 0},
		{"crashed container waits out its back-off", testPod(corev1.RestartPolicyAlways, nil, "a"), state(map[string]*container{"a": exited(1, t0.Add(10*time.Second))}), t0, nil, false, false, false, 10 * time.Second},
		{"and restarts after it", testPod(corev1.RestartPolicyAlways, nil, "a"), state(map[string]*container{"a": exited(1, t0.Add(10*time.Second))}), t0.Add(10 * time.Second), []string{"a"}, false, false, false, 0},
		{"OnFailure does not restart a success", testPod(corev1.RestartPolicyOnFailure, nil, "a"), state(map[string]*container{"a": exited(0, t0)}), t0, nil, false, false, false, 0},
		{"Never does not restart a failure", testPod(corev1.RestartPolicyNever, nil, "a"), state(map[string]*container{"a": exited(1, t0)}), t0, nil, false, false, false, 0},
		{"deleted pod with nothing running is finalized", deleting, state(map[string]*container{"a": exited(0, t0)}), t0, nil, false, true, false, 0},
		{"active deadline wakes the pod at the deadline", deadline, state(nil), t0.Add(20 * time.Second), []string{"a"}, false, false, false, 40 * time.Second},
		{"active deadline passed: stop and fail", deadline, state(nil), t0.Add(60 * time.Second), nil, true, false, true, 0},
	}
	for _, tc := range cases {
		d := plan(tc.pod, tc.st, tc.now)
		if !equalStrings(d.start, tc.start) || d.stop != tc.stop || d.finalize != tc.finalize || d.fail != tc.fail || d.requeue != tc.requeue {
			t.Errorf("%s: got start=%v stop=%v finalize=%v fail=%v requeue=%s", tc.name, d.start, d.stop, d.finalize, d.fail, d.requeue)
		}
	}
}

func TestPhaseAndContainerStatus(t *testing.T) {
	cases := []struct {
		name    string
		pod     *corev1.Pod
		st      *pod
		phase   corev1.PodPhase
		waiting string
	}{
		{"nothing started", testPod(corev1.RestartPolicyAlways, nil, "a"), state(nil), corev1.PodPending, "ContainerCreating"},
		{"app waits for init", testPod(corev1.RestartPolicyAlways, []string{"i"}, "a"), state(nil), corev1.PodPending, "PodInitializing"},
		{"all exited 0 under Never", testPod(corev1.RestartPolicyNever, nil, "a"), state(map[string]*container{"a": exited(0, t0)}), corev1.PodSucceeded, ""},
		{"one failed under Never", testPod(corev1.RestartPolicyNever, nil, "a"), state(map[string]*container{"a": exited(2, t0)}), corev1.PodFailed, ""},
		{"crash looping under Always is Running", testPod(corev1.RestartPolicyAlways, nil, "a"), state(map[string]*container{"a": exited(2, t0)}), corev1.PodRunning, "CrashLoopBackOff"},
	}
	for _, tc := range cases {
		s := podStatus(statusInput{pod: tc.pod, st: tc.st, hostIP: "192.0.2.1", podIP: "10.42.0.2", now: t0})
		if s.Phase != tc.phase {
			t.Errorf("%s: phase %s, want %s", tc.name, s.Phase, tc.phase)
		}
		got := ""
		if w := s.ContainerStatuses[0].State.Waiting; w != nil {
			got = w.Reason
		}
		if got != tc.waiting {
			t.Errorf("%s: waiting reason %q, want %q", tc.name, got, tc.waiting)
		}
	}
}

func TestRestoreReportsLostContainersAsKilled(t *testing.T) {
	p := testPod(corev1.RestartPolicyNever, nil, "a")
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "a", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(t0)}}}}
	st := restore(p, t0.Add(time.Minute))
	s := podStatus(statusInput{pod: p, st: st, hostIP: "192.0.2.1", podIP: "10.42.0.2", now: t0.Add(time.Minute)})
	if s.Phase != corev1.PodFailed || s.ContainerStatuses[0].State.Terminated == nil || s.ContainerStatuses[0].State.Terminated.ExitCode != 137 {
		t.Fatalf("lost Never pod: phase %s, state %+v", s.Phase, s.ContainerStatuses[0].State)
	}
	if d := plan(p, st, t0.Add(time.Minute)); len(d.start) != 0 {
		t.Fatalf("a lost Never container was started again: %v", d.start)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestACompletedInitContainerOfAnAlwaysPodIsDone: under restartPolicy
// Always an init container that exited 0 has done its work: its state is
// Terminated Completed, with no crash-loop back-off, as in the kubelet
// (a StatefulSet's init containers showed Init:CrashLoopBackOff).
func TestACompletedInitContainerOfAnAlwaysPodIsDone(t *testing.T) {
	p := testPod(corev1.RestartPolicyAlways, []string{"init"}, "app")
	st := &pod{containers: map[string]*container{}}
	st.restartPolicy, st.initNames = p.Spec.RestartPolicy, map[string]bool{"init": true}
	c := st.container("init")
	c.started = t0
	c.runExited(0, "Completed", "", t0.Add(time.Second), st.policyFor("init"))
	if !c.notUntil.IsZero() {
		t.Errorf("a completed init container got a back-off until %s", c.notUntil)
	}
	cs := initContainerStatus(p, st, p.Spec.InitContainers[0])
	if cs.State.Terminated == nil || cs.State.Terminated.Reason != "Completed" || cs.State.Waiting != nil || !cs.Ready {
		t.Errorf("status %+v ready %v, want Terminated Completed and ready", cs.State, cs.Ready)
	}
	// A failed one is restarted with the back-off (Always acts as OnFailure).
	c.started = t0
	c.runExited(1, "Error", "", t0.Add(time.Second), st.policyFor("init"))
	if c.notUntil.IsZero() {
		t.Error("a failed init container under Always must be retried after a back-off")
	}
	if cs := initContainerStatus(p, st, p.Spec.InitContainers[0]); cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" || cs.Ready {
		t.Errorf("failed init status %+v ready %v, want CrashLoopBackOff, not ready", cs.State, cs.Ready)
	}
}

// TestInitContainersNotStartedArePodInitializing: before it starts an
// init container waits as PodInitializing, and so do the app containers
// until every init container is done, as the kubelet reports them.
func TestInitContainersNotStartedArePodInitializing(t *testing.T) {
	p := testPod(corev1.RestartPolicyAlways, []string{"first", "second"}, "app")
	st := &pod{containers: map[string]*container{}}
	st.restartPolicy, st.initNames = p.Spec.RestartPolicy, map[string]bool{"first": true, "second": true}
	s := podStatus(statusInput{pod: p, st: st, now: t0})
	for _, cs := range append(s.InitContainerStatuses, s.ContainerStatuses...) {
		if cs.State.Waiting == nil || cs.State.Waiting.Reason != "PodInitializing" || cs.Ready {
			t.Errorf("%s: %+v, want waiting PodInitializing", cs.Name, cs.State)
		}
	}
}

// TestEphemeralContainerStartsOnceButRetriesAStartThatCouldNotHappen: an
// ephemeral container waiting on its image's pull (or a configuration
// error) is started when its wait ends; once run, never again.
func TestEphemeralContainerStartsOnceButRetriesAStartThatCouldNotHappen(t *testing.T) {
	p := testPod(corev1.RestartPolicyAlways, nil, "app")
	p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger"}}}
	st := &pod{containers: map[string]*container{"app": {name: "app", runs: 1, proc: &runtime.Process{}}}}
	if d := plan(p, st, t0); !equalStrings(d.start, []string{"debugger"}) {
		t.Fatalf("first plan starts %v", d.start)
	}
	waiting := &container{name: "debugger", notUntil: t0.Add(time.Minute)}
	waiting.cannotStart("ContainerCreating", "", t0.Add(time.Minute))
	st.containers["debugger"] = waiting
	if d := plan(p, st, t0); len(d.start) != 0 {
		t.Fatalf("started during its wait: %v", d.start)
	}
	if d := plan(p, st, t0.Add(time.Minute)); !equalStrings(d.start, []string{"debugger"}) {
		t.Fatalf("not retried after its wait: %v", d.start)
	}
	st.containers["debugger"] = exited(0, time.Time{})
	if d := plan(p, st, t0.Add(2*time.Minute)); len(d.start) != 0 {
		t.Fatalf("an ephemeral container that ran was started again: %v", d.start)
	}
}
