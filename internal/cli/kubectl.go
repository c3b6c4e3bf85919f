package cli

import (
	"os"

	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/cli"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// newKubectlCommand hands every argument to the upstream kubectl.
func newKubectlCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "kubectl [args...]",
		Short:              "Run kubectl against the local ordo server (uses its admin kubeconfig when KUBECONFIG is unset)",
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			if code := runKubectl(args); code != 0 {
				os.Exit(code)
			}
			return nil
		},
	}
}

// runKubectl runs the upstream kubectl. Without KUBECONFIG it points kubectl
// at the admin kubeconfig of the data directory ($ORDO_DATA_DIR or default),
// if that file exists, except in a pod: there, as kubectl in a container
// does, it uses the pod's service account (the token, ca.crt and
// KUBERNETES_SERVICE_HOST the pod was given), never the host's admin
// credentials, which a pod's view of the host's files may include.
func runKubectl(args []string) int {
	if _, err := rest.InClusterConfig(); os.Getenv("KUBECONFIG") == "" && err != nil {
		path := datadir.Kubeconfig(datadir.Resolve(""))
		if _, err := os.Stat(path); err == nil {
			os.Setenv("KUBECONFIG", path)
		}
	}
	cmd := kubectlcmd.NewDefaultKubectlCommand()
	cmd.SetArgs(args)
	// As kubectl's own main: commands print their errors and exit, but
	// what cobra returns (an unknown flag, a missing argument) is printed
	// here, as "error: …", with kubectl's exit code.
	if err := cli.RunNoErrOutput(cmd); err != nil {
		cmdutil.CheckErr(err)
		return 1
	}
	return 0
}
