package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/component-base/version"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print ordo's version and the Kubernetes API version it serves",
		Run: func(cmd *cobra.Command, _ []string) {
			v := version.Get()
			fmt.Fprintf(cmd.OutOrStdout(), "ordo serving Kubernetes %s (%s)\n", v.GitVersion, v.GoVersion)
		},
	}
}
