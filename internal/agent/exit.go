package agent

import "github.com/ordo-dev/ordo/internal/runtime"

// watchExit records a container's exit and syncs its pod.
func (a *Agent) watchExit(key string, st *pod, c *container, proc *runtime.Process) {
	<-proc.Done()
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
		c.runExited(int32(exit.Code), exitReason(exit.Code, oom), terminationMessage(c.termLog), exit.FinishedAt, st.policyFor(c.name))
	}
	st.mu.Unlock()
	a.queue.Add(key)
}
