package probe

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// fakeExec answers like a command would, and records what it was asked to run.
type fakeExec struct {
	code  int
	out   string
	err   error
	block bool // run until the context ends, like a hung command
	ran   []string
}

func (f *fakeExec) run(ctx context.Context, cmd []string) (int, []byte, error) {
	f.ran = cmd
	if f.block {
		<-ctx.Done()
		return -1, nil, ctx.Err()
	}
	return f.code, []byte(f.out), f.err
}

func TestExec(t *testing.T) {
	tests := []struct {
		name string
		exec *fakeExec
		want Result
		msg  string
	}{
		{"exit 0", &fakeExec{}, Success, ""},
		{"exit 1 with output", &fakeExec{code: 1, out: "not healthy\n"}, Failure, "Startup probe failed: not healthy"},
		{"exit 2 silent", &fakeExec{code: 2}, Failure, "command exited with code 2"},
		{"timeout", &fakeExec{block: true}, Failure, `Startup probe failed: command "cat /tmp/healthy" timed out`},
		{"cannot run", &fakeExec{err: errors.New("no such container")}, Unknown, "Startup probe errored: no such container"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := []string{"cat", "/tmp/healthy"}
			p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}}}
			got, msg := attempt(context.Background(), Startup, p, Target{Exec: tc.exec.run}, 20*time.Millisecond)
			checkResult(t, got, msg, tc.want, tc.msg)
			if !slices.Equal(tc.exec.ran, cmd) {
				t.Errorf("ran %q, want %q", tc.exec.ran, cmd)
			}
		})
	}
}

func TestExecWithoutRunner(t *testing.T) {
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
	got, msg := Do(context.Background(), Liveness, p, Target{})
	checkResult(t, got, msg, Unknown, "exec function")
}
