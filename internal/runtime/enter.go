package runtime

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"
)

// Credentials are who a container's process runs as: its user, group and
// supplementary groups, the capabilities it keeps and no_new_privs. A
// command exec'd in the container (kubectl exec, an exec probe or hook)
// runs with the same ones, as a container runtime runs an exec with the
// container's process spec.
type Credentials struct {
	UID             *int64  `json:"uid,omitempty"`
	GID             *int64  `json:"gid,omitempty"`
	Groups          []int64 `json:"groups,omitempty"`
	NoNewPrivileges bool    `json:"noNewPrivs,omitempty"`
	// Capabilities is the mask kept (bit n is capability n); nil keeps all.
	Capabilities *uint64 `json:"caps,omitempty"`
}

// args are the flags that apply c in ordo's internal-exec and
// internal-enter (ordo_proto.h).
func (c Credentials) args() []string {
	var args []string
	if c.UID != nil {
		args = append(args, flagUID, strconv.FormatInt(*c.UID, 10))
	}
	if c.GID != nil {
		args = append(args, flagGID, strconv.FormatInt(*c.GID, 10))
	}
	if len(c.Groups) > 0 {
		groups := make([]string, len(c.Groups))
		for i, g := range c.Groups {
			groups[i] = strconv.FormatInt(g, 10)
		}
		args = append(args, flagGroups, strings.Join(groups, ","))
	}
	if c.NoNewPrivileges {
		args = append(args, flagNoNewPrivs)
	}
	if c.Capabilities != nil {
		args = append(args, flagCaps, strconv.FormatUint(*c.Capabilities, 16))
	}
	return args
}

// EnterCommand is command run in the namespaces, cgroups, root and
// working directory of the container process pid, with creds: ordo's
// internal-enter (enter.c) joins them from the host's root, so the
// container's root needs none of the host's files, forks the command into
// the container's PID namespace and exits as it does (128+signal when a
// signal ended it). The command is found on the PATH of cmd.Env. With a
// terminal as stdin the command leads a session of its own with that
// terminal as its controlling one, as a runtime's exec -t does.
func (r *Runtime) EnterCommand(ctx context.Context, pid int, creds Credentials, command []string) (*exec.Cmd, error) {
	if len(command) == 0 {
		return nil, errors.New("no command specified")
	}
	args := []string{cmdEnter, flagPID, strconv.Itoa(pid)}
	args = append(append(append(args, creds.args()...), flagEnd), command...)
	return exec.CommandContext(ctx, r.agentBinary(), args...), nil
}
