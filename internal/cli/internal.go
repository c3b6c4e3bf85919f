package cli

import (
	"os"

	"github.com/ordo-dev/ordo/internal/runtime"
	"github.com/spf13/cobra"
)

// The internal-* commands are the agent's own children (see package
// runtime); they are hidden from help and not meant to be run by hand.

func newInternalSandboxCommand() *cobra.Command {
	var hostname string
	cmd := &cobra.Command{
		Use:    "internal-sandbox",
		Hidden: true,
		Args:   cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			os.Exit(runtime.RunSandboxChild(hostname))
		},
	}
	cmd.Flags().StringVar(&hostname, "hostname", "", "pod hostname")
	return cmd
}

func newInternalExecCommand() *cobra.Command {
	c := runtime.ChildConfig{UID: -1, GID: -1}
	cmd := &cobra.Command{
		Use:    "internal-exec -- COMMAND [ARGS...]",
		Hidden: true,
		Args:   cobra.MinimumNArgs(1),
		Run: func(_ *cobra.Command, args []string) {
			c.Argv = args
			os.Exit(runtime.RunExecChild(c))
		},
	}
	f := cmd.Flags()
	f.IntVar(&c.SandboxPID, "sandbox-pid", 0, "sandbox whose namespaces to join")
	f.StringVar(&c.WorkingDir, "workdir", "", "working directory")
	f.Int64Var(&c.UID, "uid", -1, "user id")
	f.Int64Var(&c.GID, "gid", -1, "group id")
	f.StringVar(&c.MountsJSON, "mounts", "", "mounts as JSON")
	f.StringArrayVar(&c.Cgroups, "cgroup", nil, "cgroup directory to join (repeatable)")
	return cmd
}
