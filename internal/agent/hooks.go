package agent

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/ordo-dev/ordo/internal/agent/probe"
	"github.com/ordo-dev/ordo/internal/runtime"
	corev1 "k8s.io/api/core/v1"
)

// runHook runs a postStart or preStop handler (exec, httpGet, tcpSocket or
// sleep) against a container run, within ctx's deadline. The handler kinds
// are those of probes, so the probe runner does the work.
func runHook(ctx context.Context, h *corev1.LifecycleHandler, t probe.Target) error {
	if h.Sleep != nil {
		select {
		case <-time.After(time.Duration(h.Sleep.Seconds) * time.Second):
		case <-ctx.Done():
		}
		return nil
	}
	timeout := int32(30)
	if d, ok := ctx.Deadline(); ok {
		timeout = int32(time.Until(d).Seconds()) + 1
	}
	pb := &corev1.Probe{
		ProbeHandler:   corev1.ProbeHandler{Exec: h.Exec, HTTPGet: h.HTTPGet, TCPSocket: h.TCPSocket},
		TimeoutSeconds: timeout,
	}
	if r, msg := probe.Do(ctx, probe.Liveness, pb, t); r != probe.Success {
		for _, prefix := range []string{"Liveness probe failed: ", "Liveness probe errored: "} {
			msg = strings.TrimPrefix(msg, prefix)
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

// postStart runs the container's postStart hook after it started, as the
// kubelet does; if the hook fails the container is killed and the restart
// policy applies (event FailedPostStartHook).
func (a *Agent) postStart(p *corev1.Pod, spec *corev1.Container, proc *runtime.Process, t probe.Target) {
	if spec.Lifecycle == nil || spec.Lifecycle.PostStart == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(a.ctx, gracePeriod(p)+30*time.Second)
		defer cancel()
		if err := runHook(ctx, spec.Lifecycle.PostStart, t); err != nil {
			a.event(p, corev1.EventTypeWarning, "FailedPostStartHook", "PostStartHook failed: %v", err)
			proc.Signal(syscall.SIGKILL)
		}
	}()
}

// preStopThenTerm runs the container's preStop hook, then sends SIGTERM; the
// caller's SIGKILL at the end of the grace period still applies.
func (a *Agent) preStopThenTerm(p *corev1.Pod, c *container, spec *corev1.Container, deadline time.Time) {
	proc := c.proc
	if spec == nil || spec.Lifecycle == nil || spec.Lifecycle.PreStop == nil {
		proc.Signal(syscall.SIGTERM)
		return
	}
	t := probe.Target{PodIP: p.Status.PodIP, Container: spec, Exec: a.execIn(c)}
	go func() {
		ctx, cancel := context.WithDeadline(a.ctx, deadline)
		defer cancel()
		if err := runHook(ctx, spec.Lifecycle.PreStop, t); err != nil {
			a.event(p, corev1.EventTypeWarning, "FailedPreStopHook", "PreStopHook failed: %v", err)
		}
		proc.Signal(syscall.SIGTERM)
	}()
}
