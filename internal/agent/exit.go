package agent

import "github.com/ordo-dev/ordo/internal/runtime"

// watchExit records a container's exit and syncs its pod. fallback is
// the run's log, for a message under FallbackToLogsOnError.
func (a *Agent) watchExit(key string, st *pod, c *container, proc *runtime.Process, fallback *logFallback) {
	<-proc.Done()
	fromLog := fallback.message(proc.Exit().Code)
	st.mu.Lock()
	if c.proc == proc {
		c.stopProbes()
		exit := proc.Exit()
		oom := false
		if c.cgroup != "" && a.cfg.Cgroups != nil {
			oom = a.cfg.Cgroups.OOMKilled(c.cgroup)
			a.cfg.Cgroups.Remove(c.cgroup)
			c.cgroup = ""
		}
		if st.warmContainer == c.name {
			st.killWarm() // the runner's container is gone: no slot can run in it
		}
		message := terminationMessage(c.termLog)
		if message == "" {
			message = fromLog
		}
		c.runExited(int32(exit.Code), exitReason(exit.Code, oom), message, exit.FinishedAt, st.policyFor(c.name))
	}
	st.mu.Unlock()
	a.queue.Add(key)
}
