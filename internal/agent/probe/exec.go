package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// maxOutput caps how much command output or response body goes into an
// event message, as the kubelet caps it (10 KiB).
const maxOutput = 10 << 10

// runExec passes when the command exits 0. Running past the timeout is a
// Failure (Kubernetes enforces exec timeouts since 1.20); not being able to
// run the command at all is an error (Unknown).
func runExec(ctx context.Context, a *corev1.ExecAction, t Target) outcome {
	if t.Exec == nil {
		return errored(errors.New("exec probes need the agent's exec function"))
	}
	if len(a.Command) == 0 {
		return errored(errors.New("exec probe has no command"))
	}
	code, out, err := t.Exec(ctx, a.Command)
	if ctx.Err() != nil {
		return failed(fmt.Sprintf("command %q timed out", strings.Join(a.Command, " ")))
	}
	if err != nil {
		return errored(err)
	}
	if code != 0 {
		return failed(execOutput(out, code))
	}
	return succeeded("")
}

// execOutput is what the kubelet reports for a failed command: its output,
// or, when it printed nothing, its exit code so the event is not blank.
func execOutput(out []byte, code int) string {
	if len(out) > maxOutput {
		out = out[:maxOutput]
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		return s
	}
	return fmt.Sprintf("command exited with code %d", code)
}
