package runtime

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
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
// internal-setcred (ordo_proto.h).
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

// enterBinary is the ordo executable, open for the lifetime of the agent:
// a command entering a container runs it as /proc/self/fd/3 to take on the
// container's credentials, since the agent's path to it need not exist in
// the container's root.
var enterBinary struct {
	once sync.Once
	f    *os.File
	err  error
}

// EnterCommand is command run in the namespaces, root and working
// directory of the container process pid, with creds. util-linux nsenter
// joins the namespaces (a Go process cannot join a mount namespace); in
// there, ordo's internal-setcred drops to creds (nsenter's -S and -G
// would drop the supplementary groups and keep every capability) and
// execs command, found on the PATH of cmd.Env.
func (r *Runtime) EnterCommand(ctx context.Context, pid int, creds Credentials, command []string) (*exec.Cmd, error) {
	enterBinary.once.Do(func() { enterBinary.f, enterBinary.err = os.Open(r.agentBinary()) })
	if enterBinary.err != nil {
		return nil, enterBinary.err
	}
	args := []string{"-t", strconv.Itoa(pid), "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--", "/proc/self/fd/3", cmdSetcred}
	args = append(append(append(args, creds.args()...), flagEnd), command...)
	cmd := exec.CommandContext(ctx, "nsenter", args...)
	cmd.ExtraFiles = []*os.File{enterBinary.f}
	return cmd, nil
}
