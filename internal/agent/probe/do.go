package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// outcome is what one handler (exec, httpGet, tcpSocket, grpc) found. err means the
// attempt could not be judged (Unknown); output explains a Failure, or is a
// warning that accompanies a Success (an unfollowed redirect).
type outcome struct {
	result Result
	output string
	err    error
}

func failed(output string) outcome  { return outcome{result: Failure, output: output} }
func errored(err error) outcome     { return outcome{result: Unknown, err: err} }
func succeeded(warn string) outcome { return outcome{result: Success, output: warn} }

// Do runs one probe attempt (honouring TimeoutSeconds) and says whether it
// passed, with a message for events, worded as the kubelet words them:
//
//	Success  ""  (or "Liveness probe warning: …" for an unfollowed redirect)
//	Failure  "Liveness probe failed: HTTP probe failed with statuscode: 500"
//	Unknown  "Liveness probe errored: …" (bad port, cancelled)
//
// Unknown results never count towards a threshold, so a probe that cannot
// be run never restarts a container.
func Do(ctx context.Context, kind Kind, p *corev1.Probe, t Target) (Result, string) {
	if p == nil {
		return Unknown, kind.title() + " probe errored: no probe"
	}
	return attempt(ctx, kind, p, t, timingOf(kind, p).timeout)
}

// attempt is Do with the timeout as a parameter, so tests can use
// milliseconds where the API only allows whole seconds.
func attempt(ctx context.Context, kind Kind, p *corev1.Probe, t Target, timeout time.Duration) (Result, string) {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	o := dispatch(actx, p, t)
	if ctx.Err() != nil {
		// The caller gave up (the worker is stopping): not the container's fault.
		o = errored(fmt.Errorf("probe cancelled: %w", ctx.Err()))
	}
	return o.result, message(kind, o)
}

// dispatch picks the handler. Exactly one is set on a valid probe.
func dispatch(ctx context.Context, p *corev1.Probe, t Target) outcome {
	h := p.ProbeHandler
	switch {
	case h.Exec != nil:
		return runExec(ctx, h.Exec, t)
	case h.HTTPGet != nil:
		return runHTTP(ctx, h.HTTPGet, t)
	case h.TCPSocket != nil:
		return runTCP(ctx, h.TCPSocket, t)
	case h.GRPC != nil:
		return runGRPC(ctx, h.GRPC, t)
	}
	return errored(errors.New("probe has no handler (exec, httpGet, tcpSocket or grpc)"))
}

// message words an outcome for an event.
func message(kind Kind, o outcome) string {
	switch {
	case o.err != nil:
		return fmt.Sprintf("%s probe errored: %v", kind.title(), o.err)
	case o.result == Failure:
		return fmt.Sprintf("%s probe failed: %s", kind.title(), o.output)
	case o.output != "":
		return fmt.Sprintf("%s probe warning: %s", kind.title(), o.output)
	}
	return ""
}
