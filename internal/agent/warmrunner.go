package agent

import (
	"context"
	"os"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/agent/logs"
	"github.com/ordo-dev/ordo/internal/agent/warm"
	"github.com/ordo-dev/ordo/internal/metrics"
	"github.com/ordo-dev/ordo/internal/runner"
	"github.com/ordo-dev/ordo/internal/runtime"
)

// runnerOf is the CronJob a warm runner pod runs slots for, or "".
func runnerOf(p *corev1.Pod) string { return p.Labels[runner.RunnerLabel] }

// holdFor is the hold of a runner pod's container, the first app
// container: the container runs the hold process (runtime.Hold) in place
// of its command, and the command runs at each slot. Other containers get
// none.
func (a *Agent) holdFor(p *corev1.Pod, name string) (*runtime.Hold, *os.File, error) {
	if runnerOf(p) == "" || name != p.Spec.Containers[0].Name {
		return nil, nil, nil
	}
	return runtime.NewHold()
}

// startWarm starts the slot loop of a runner pod whose container just
// started with hold. The caller holds st.mu.
func (a *Agent) startWarm(p *corev1.Pod, st *pod, c *container, hold *runtime.Hold) {
	if hold == nil {
		return
	}
	st.killWarm()
	st.warmContainer, st.warmHold = c.name, hold
	st.warm = warm.Start(a.ctx, warm.Config{
		Client: a.cfg.Client, Clock: a.cfg.Clock, Local: time.Local,
		Namespace: p.Namespace, CronJob: runnerOf(p), Pod: p.Name,
		Run: a.slotRunner(p, st, c, hold),
		Event: func(cj *batchv1.CronJob, kind, reason, message string) {
			if a.recorder != nil {
				a.recorder.Event(cj, kind, reason, message)
			}
		},
		Metrics: metrics.Default(),
		Listers: a.warmCache.Listers(),
	})
}

// stopWarm ends the claiming of the pod's slot loop, if any, which
// releases the token; the runs going go on (warmBusy).
func (st *pod) stopWarm() {
	if st.warm != nil {
		st.warm.Stop()
	}
}

// killWarm ends the pod's slot loop, kills its runs and lets go of the
// hold.
func (st *pod) killWarm() {
	if st.warm != nil {
		st.warm.Kill()
		st.warm = nil
	}
	if st.warmHold != nil {
		st.warmHold.Close()
		st.warmHold = nil
	}
}

// warmBusy says whether a slot of the pod is running or about to.
func (st *pod) warmBusy() bool { return st.warm != nil && st.warm.Busy() }

// slotRunner runs the container's command once per slot through its hold,
// inside the warm container (its namespaces, root, working directory,
// environment, user and cgroups: the hold's, which the run inherits), with
// ORDO_SCHEDULED_TIME set; the output goes to the container's log.
func (a *Agent) slotRunner(p *corev1.Pod, st *pod, c *container, hold *runtime.Hold) func(context.Context, time.Time, func()) (int, error) {
	return func(ctx context.Context, slot time.Time, started func()) (int, error) {
		st.mu.Lock()
		logPath := a.logPath(p, c.name, c.runs-1)
		st.mu.Unlock()
		return runLogged(logPath, a.cfg.Clock.Now, func(stdout, stderr *os.File) (int, error) {
			return hold.Run(ctx, slot.UTC().Format(time.RFC3339), stdout, stderr, started)
		})
	}
}

// runLogged runs a command (run) with its stdout and stderr appended to a
// container log, and returns its exit code.
func runLogged(logPath string, now func() time.Time, run func(stdout, stderr *os.File) (int, error)) (int, error) {
	lf, err := logs.Create(logPath, now)
	if err != nil {
		return 0, err
	}
	defer lf.Close()
	stdout, _, waitOut, err := lf.Pipe("stdout")
	if err != nil {
		return 0, err
	}
	stderr, _, waitErr, err := lf.Pipe("stderr")
	if err != nil {
		stdout.Close()
		waitOut()
		return 0, err
	}
	code, err := run(stdout, stderr)
	stdout.Close()
	stderr.Close()
	waitOut()
	waitErr()
	return code, err
}
