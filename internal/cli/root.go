// Package cli holds ordo's command line: the root command and one file per
// subcommand. Flags are parsed into config structs that the server and
// kubectl packages take; no logic lives here beyond that wiring.
package cli

import (
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
)

// Main runs ordo with argv and returns the exit code. Invoked through a
// symlink named kubectl, it is kubectl.
func Main(argv []string) int {
	if filepath.Base(argv[0]) == "kubectl" {
		return runKubectl(argv[1:])
	}
	root := &cobra.Command{
		Use:           "ordo",
		Short:         "Kubernetes Jobs, CronJobs and StatefulSets as native processes, from one binary",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	// The sandbox and container processes (`ordo internal-sandbox`,
	// `ordo internal-exec`) never reach here: C constructors in package
	// runtime take them over before the Go runtime starts.
	root.AddCommand(newServerCommand(), newAgentCommand(), newKubectlCommand(), newImagesCommand(), newTokenCommand(), newDashboardCommand(), newVersionCommand())
	root.SetArgs(argv[1:])
	return cli.Run(root)
}
