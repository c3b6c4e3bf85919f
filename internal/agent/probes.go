package agent

import (
	"context"
	"os/exec"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ordo-dev/ordo/internal/agent/probe"
	"github.com/ordo-dev/ordo/internal/runtime"
	corev1 "k8s.io/api/core/v1"
)

// probes are the probe workers of one container run.
type probes struct {
	cancel    context.CancelFunc
	started   atomic.Bool // the startup probe passed (or there is none)
	readiness *probe.Worker
}

// startProbes runs the container's startup, liveness and readiness probes
// for this run of its process. Results arrive through onProbe.
func (a *Agent) startProbes(key string, p *corev1.Pod, st *pod, c *container, spec *corev1.Container, env []string) {
	c.ready = spec.ReadinessProbe == nil
	if spec.StartupProbe == nil && spec.LivenessProbe == nil && spec.ReadinessProbe == nil {
		c.probes = nil
		return
	}
	ctx, cancel := context.WithCancel(a.ctx)
	pr := &probes{cancel: cancel}
	pr.started.Store(spec.StartupProbe == nil)
	c.probes = pr
	target := probe.Target{PodIP: a.podIP(p, st), Container: spec, Exec: a.execIn(c)}
	proc := c.proc
	run := func(kind probe.Kind, pb *corev1.Probe) *probe.Worker {
		cfg := probe.WorkerConfig{
			Kind: kind, Probe: pb, Target: target, Clock: a.cfg.Clock, StartedAt: c.started,
			OnResult: func(k probe.Kind, r probe.Result, msg string) { a.onProbe(key, p, c, proc, k, r, msg) },
		}
		if kind != probe.Startup {
			cfg.Started = pr.started.Load // liveness and readiness wait for startup
		}
		w := probe.NewWorker(cfg)
		go w.Run(ctx)
		return w
	}
	for _, x := range []struct {
		kind probe.Kind
		pb   *corev1.Probe
	}{{probe.Startup, spec.StartupProbe}, {probe.Liveness, spec.LivenessProbe}, {probe.Readiness, spec.ReadinessProbe}} {
		if x.pb != nil {
			w := run(x.kind, x.pb)
			if x.kind == probe.Readiness {
				pr.readiness = w
			}
		}
	}
}

// onProbe applies a probe verdict to the container run it belongs to:
// readiness flips Ready; a failed liveness or startup probe restarts the
// container, as the kubelet does.
func (a *Agent) onProbe(key string, p *corev1.Pod, c *container, proc *runtime.Process, kind probe.Kind, r probe.Result, msg string) {
	defer a.queue.Add(key)
	st := a.lockPod(key)
	if st == nil {
		return
	}
	defer st.mu.Unlock()
	if c.proc != proc || c.probes == nil {
		return
	}
	if r == probe.Failure && msg != "" {
		a.event(p, corev1.EventTypeWarning, "Unhealthy", "%s", msg)
	}
	switch kind {
	case probe.Readiness:
		c.ready = r == probe.Success
	case probe.Startup:
		if r == probe.Success {
			c.probes.started.Store(true)
			if c.probes.readiness != nil {
				c.probes.readiness.Trigger()
			}
			return
		}
		fallthrough
	case probe.Liveness:
		if r == probe.Failure {
			a.event(p, corev1.EventTypeNormal, "Killing", "Container %s failed %s probe, will be restarted", c.name, kind)
			killAfterGrace(proc, gracePeriod(p))
		}
	}
}

// killAfterGrace sends SIGTERM, then SIGKILL if the process outlives grace.
func killAfterGrace(proc *runtime.Process, grace time.Duration) {
	proc.Signal(syscall.SIGTERM)
	go func() {
		select {
		case <-proc.Done():
		case <-time.After(grace):
			proc.Signal(syscall.SIGKILL)
		}
	}()
}

// stopProbes ends a run's probe workers.
func (c *container) stopProbes() {
	if c.probes != nil {
		c.probes.cancel()
		c.probes = nil
	}
}

// execIn runs a command in the container's current run with its
// environment and credentials (see enterer).
func (a *Agent) execIn(ctr *container) probe.ExecFunc {
	enter, env := a.enterer(ctr.proc.PID(), ctr.creds), ctr.env
	return func(ctx context.Context, cmd []string) (int, []byte, error) {
		c, err := enter(ctx, cmd)
		if err != nil {
			return -1, nil, err
		}
		c.Env = env
		out, err := c.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), out, nil
		}
		if err != nil {
			return -1, out, err
		}
		return 0, out, nil
	}
}
