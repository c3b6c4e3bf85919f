package probe

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestDoUnjudgeable(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	exec := &fakeExec{code: 1}
	tests := []struct {
		name string
		ctx  context.Context
		p    *corev1.Probe
		msg  string
	}{
		{"no handler", context.Background(), &corev1.Probe{}, "no handler"},
		{"nil probe", context.Background(), nil, "no probe"},
		{"caller cancelled", cancelled, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
			Exec: &corev1.ExecAction{Command: []string{"false"}}}}, "cancelled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := Do(tc.ctx, Readiness, tc.p, Target{PodIP: "127.0.0.1", Exec: exec.run})
			checkResult(t, got, msg, Unknown, tc.msg)
		})
	}
}
