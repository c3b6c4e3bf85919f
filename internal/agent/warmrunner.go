package agent

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/agent/logs"
	"github.com/ordo-dev/ordo/internal/agent/warm"
	"github.com/ordo-dev/ordo/internal/metrics"
	"github.com/ordo-dev/ordo/internal/runner"
)

// holdArgv is what a runner pod's container runs between slots: nothing,
// cheaply, so that its namespaces, mounts, env and cgroup stay warm.
var holdArgv = []string{"sleep", "infinity"}

// runnerOf is the CronJob a warm runner pod runs slots for, or "".
func runnerOf(p *corev1.Pod) string { return p.Labels[runner.RunnerLabel] }

// startWarm starts the slot loop of a runner pod whose container (the
// first app container: it runs the slots) just started. The caller holds
// st.mu.
func (a *Agent) startWarm(p *corev1.Pod, st *pod, c *container, argv []string, uid, gid *int64) {
	if runnerOf(p) == "" || c.name != p.Spec.Containers[0].Name {
		return
	}
	st.killWarm()
	st.warmContainer = c.name
	st.warm = warm.Start(a.ctx, warm.Config{
		Client: a.cfg.Client, Clock: a.cfg.Clock, Local: time.Local,
		Namespace: p.Namespace, CronJob: runnerOf(p), Pod: p.Name,
		Run: a.slotRunner(p, st, c, argv, uid, gid),
		Event: func(cj *batchv1.CronJob, kind, reason, message string) {
			if a.recorder != nil {
				a.recorder.Event(cj, kind, reason, message)
			}
		},
		Metrics: metrics.Default(),
		Listers: a.warmListers,
	})
}

// stopWarm ends the claiming of the pod's slot loop, if any, which
// releases the token; the runs going go on (warmBusy).
func (st *pod) stopWarm() {
	if st.warm != nil {
		st.warm.Stop()
	}
}

// killWarm ends the pod's slot loop and kills its runs.
func (st *pod) killWarm() {
	if st.warm != nil {
		st.warm.Kill()
		st.warm = nil
	}
}

// warmBusy says whether a slot of the pod is running or about to.
func (st *pod) warmBusy() bool { return st.warm != nil && st.warm.Busy() }

// slotRunner runs the container's command once per slot inside the warm
// container, as kubectl exec does (its namespaces, root, working
// directory and environment, as its user), with ORDO_SCHEDULED_TIME set;
// the output goes to the container's log.
func (a *Agent) slotRunner(p *corev1.Pod, st *pod, c *container, argv []string, uid, gid *int64) func(context.Context, time.Time, func()) (int, error) {
	return func(ctx context.Context, slot time.Time, started func()) (int, error) {
		st.mu.Lock()
		proc, env, logPath, cgroups := c.proc, c.env, a.logPath(p, c.name, c.runs-1), c.cgroupDirs
		st.mu.Unlock()
		if proc == nil {
			return 0, errors.New("the runner's container is not running")
		}
		args := []string{"-t", strconv.Itoa(proc.PID()), "-m", "-u", "-i", "-n", "-p", "-r", "-w"}
		if uid != nil {
			args = append(args, "-S", strconv.FormatInt(*uid, 10))
		}
		if gid != nil {
			args = append(args, "-G", strconv.FormatInt(*gid, 10))
		}
		cmd := exec.CommandContext(ctx, "nsenter", append(append(args, "--"), argv...)...)
		if len(cgroups) > 0 {
			cmd = intoCgroups(ctx, cgroups, cmd.Args[1:])
		}
		cmd.Env = append(append([]string{}, env...), "ORDO_SCHEDULED_TIME="+slot.UTC().Format(time.RFC3339))
		killGroupOnCancel(cmd)
		return runLogged(cmd, logPath, a.cfg.Clock.Now, started)
	}
}

// joinThenExec is a host shell that moves itself into each cgroup
// directory given before "--", then becomes nsenter with the rest: the run
// and everything it forks start inside the warm container's cgroups (its
// limits), on cgroup v1 and v2 alike, with no window in which a child
// could be forked outside them.
const joinThenExec = `while [ "$1" != -- ]; do echo $$ > "$1/cgroup.procs" || exit 125; shift; done; shift; exec nsenter "$@"`

func intoCgroups(ctx context.Context, dirs, nsenterArgs []string) *exec.Cmd {
	args := append([]string{"-c", joinThenExec, "sh"}, dirs...)
	args = append(append(args, "--"), nsenterArgs...)
	return exec.CommandContext(ctx, "/bin/sh", args...)
}

// killGroupOnCancel makes cancelling a run kill its whole process group:
// nsenter forks to enter the PID namespace, so killing nsenter alone
// would leave the run itself going (concurrencyPolicy Replace, a runner's
// grace period running out).
func killGroupOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// runLogged runs cmd with its stdout and stderr appended to a container
// log, and returns its exit code.
func runLogged(cmd *exec.Cmd, logPath string, now func() time.Time, started func()) (int, error) {
	lf, err := logs.Create(logPath, now)
	if err != nil {
		return 0, err
	}
	defer lf.Close()
	stdout, waitOut, err := lf.Pipe("stdout")
	if err != nil {
		return 0, err
	}
	stderr, waitErr, err := lf.Pipe("stderr")
	if err != nil {
		stdout.Close()
		waitOut()
		return 0, err
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Start()
	stdout.Close()
	stderr.Close()
	if err == nil {
		started()
		err = cmd.Wait()
	}
	waitOut()
	waitErr()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode(), nil
	}
	return 0, err
}
