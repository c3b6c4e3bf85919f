package agent

import (
	"context"
	"os/exec"

	"github.com/ordo-dev/ordo/internal/runtime"
)

// enterFunc makes the command that runs argv inside a container run.
type enterFunc func(ctx context.Context, argv []string) (*exec.Cmd, error)

// credentials are the user, groups, capabilities and no_new_privs the
// run's process got, which a command exec'd in it gets too.
func (p startPlan) credentials() runtime.Credentials {
	return runtime.Credentials{UID: p.uid, GID: p.gid, Groups: p.groups, NoNewPrivileges: p.noNewPrivileges, Capabilities: p.capabilities}
}

// enterer runs commands in the container process pid as the container's
// user: kubectl exec, exec probes and exec hooks run as the container's
// process spec says, as with a container runtime, not as the agent's root.
func (a *Agent) enterer(pid int, creds runtime.Credentials) enterFunc {
	return func(ctx context.Context, argv []string) (*exec.Cmd, error) {
		return a.cfg.Runtime.EnterCommand(ctx, pid, creds, argv)
	}
}
