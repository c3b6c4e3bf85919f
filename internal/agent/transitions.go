package agent

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/runtime"
)

// The container transitions below are pure: they change the agent's record
// of a container and nothing else. The launcher (launch.go) and the exit
// watcher (exit.go) call them around the I/O.

// cannotStart: the start did not happen (a mount, the configuration, the
// log or the cgroup failed); the container waits with reason until
// retryAt.
func (c *container) cannotStart(reason, message string, retryAt time.Time) {
	c.waiting, c.waitingMsg, c.notUntil = reason, message, retryAt
}

// beginRun counts a start attempt: every attempt after the first is a
// restart, as the kubelet counts them.
func (c *container) beginRun(cgroupID string) {
	c.cgroup = cgroupID
	if c.runs > 0 {
		c.restarts++
	}
	c.runs++
	c.waiting, c.waitingMsg = "", ""
}

// runStarted: the process runs.
func (c *container) runStarted(proc *runtime.Process, env []string, now time.Time) {
	c.proc, c.started, c.env = proc, now, env
}

// startFailed: the runtime could not start the process; the run counts as
// an exit with code 128 (StartError), backed off like a crash.
func (c *container) startFailed(err error, policy corev1.RestartPolicy, now time.Time) {
	c.exited = true
	c.last = termination{code: 128, reason: "StartError", message: err.Error(), started: now, finished: now}
	c.backOff(policy)
}

// runExited: the process ended with code; reason is Completed, Error or
// OOMKilled.
func (c *container) runExited(code int32, reason, message string, finished time.Time, policy corev1.RestartPolicy) {
	c.proc, c.exited = nil, true
	c.stdin.close()
	c.stdin = nil
	c.last = termination{code: code, reason: reason, message: message, started: c.started, finished: finished}
	c.backOff(policy)
}

// backOff starts the crash-loop back-off of a container its restart
// policy will restart.
func (c *container) backOff(policy corev1.RestartPolicy) {
	if shouldRestart(policy, c.last.code) {
		c.crashes = nextCrashes(c.crashes, c.last.finished.Sub(c.last.started))
		c.notUntil = c.last.finished.Add(restartDelay(c.crashes))
	}
}

// exitReason is the kubelet's reason for an exit code.
func exitReason(code int, oomKilled bool) string {
	switch {
	case oomKilled:
		return "OOMKilled"
	case code != 0:
		return "Error"
	}
	return "Completed"
}
