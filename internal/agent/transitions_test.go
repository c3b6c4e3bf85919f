package agent

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestContainerTransitions(t *testing.T) {
	c := &container{name: "app"}
	c.cannotStart("CreateContainerConfigError", "no secret", t0.Add(configErrorRetry))
	if c.waiting != "CreateContainerConfigError" || !c.notUntil.Equal(t0.Add(10*time.Second)) || c.runs != 0 {
		t.Fatalf("cannot start: %+v", c)
	}
	c.beginRun("cg-1")
	c.runStarted(nil, []string{"A=1"}, t0)
	if c.waiting != "" || c.runs != 1 || c.restarts != 0 || c.cgroup != "cg-1" || !c.started.Equal(t0) {
		t.Fatalf("first run: %+v", c)
	}
	c.runExited(1, exitReason(1, false), "boom", t0.Add(time.Second), corev1.RestartPolicyAlways)
	if !c.exited || c.last.code != 1 || c.last.reason != "Error" || c.crashes != 1 || !c.notUntil.Equal(t0.Add(11*time.Second)) {
		t.Fatalf("first crash: %+v", c)
	}
	c.beginRun("cg-2")
	c.startFailed(errors.New("exec: no such file"), corev1.RestartPolicyAlways, t0.Add(20*time.Second))
	if c.restarts != 1 || c.last.code != 128 || c.last.reason != "StartError" || c.crashes != 2 ||
		!c.notUntil.Equal(t0.Add(40*time.Second)) {
		t.Fatalf("start error counts as a crash, 20 s back-off: %+v", c)
	}
	// A long run starts the streak over.
	c.beginRun("cg-3")
	c.runStarted(nil, nil, t0.Add(time.Minute))
	c.runExited(137, exitReason(137, true), "", t0.Add(12*time.Minute), corev1.RestartPolicyAlways)
	if c.last.reason != "OOMKilled" || c.crashes != 1 || !c.notUntil.Equal(t0.Add(12*time.Minute+10*time.Second)) {
		t.Fatalf("after 11 minutes of running: %+v", c)
	}
}

func TestBackOffFollowsTheRestartPolicy(t *testing.T) {
	for _, tc := range []struct {
		policy   corev1.RestartPolicy
		code     int32
		backsOff bool
	}{
		{corev1.RestartPolicyAlways, 0, true},
		{corev1.RestartPolicyOnFailure, 0, false},
		{corev1.RestartPolicyOnFailure, 2, true},
		{corev1.RestartPolicyNever, 2, false},
	} {
		c := &container{}
		c.runStarted(nil, nil, t0)
		c.runExited(tc.code, exitReason(int(tc.code), false), "", t0.Add(time.Second), tc.policy)
		if got := c.crashes == 1; got != tc.backsOff {
			t.Errorf("%s exit %d: back-off %v, want %v", tc.policy, tc.code, got, tc.backsOff)
		}
	}
	if exitReason(0, false) != "Completed" || exitReason(3, false) != "Error" || exitReason(0, true) != "OOMKilled" {
		t.Error("exit reasons")
	}
}
