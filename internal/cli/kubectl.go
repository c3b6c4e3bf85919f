package cli

import (
	"os"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/component-base/cli"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/plugin"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// newKubectlCommand hands every argument to the upstream kubectl, after
// ordo's own --data-dir.
func newKubectlCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "kubectl [--data-dir DIR] [args...]",
		Short: "Run kubectl against the local ordo server (uses its admin kubeconfig when KUBECONFIG is unset)",
		Long: `Run the upstream kubectl against an ordo server.

Without KUBECONFIG, kubectl uses the admin kubeconfig of the data directory,
<data-dir>/kubeconfig.yaml: --data-dir DIR (given before the first "--"),
else $ORDO_DATA_DIR, else the server's default. KUBECONFIG, --kubeconfig,
--server and ~/.kube/config work as they do for kubectl.`,
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			if code := runOrdoKubectl(args); code != 0 {
				os.Exit(code)
			}
			return nil
		},
	}
}

// runOrdoKubectl is `ordo kubectl`: kubectl with ordo's --data-dir taken
// out of its arguments.
func runOrdoKubectl(args []string) int {
	dataDir, rest, err := dataDirFlag(args)
	if err != nil {
		cmdutil.CheckErr(err)
		return 1
	}
	return runKubectlIn(dataDir, rest)
}

// runKubectl is the binary invoked as kubectl: kubectl's own flags only.
func runKubectl(args []string) int { return runKubectlIn("", args) }

// runKubectlIn runs the upstream kubectl. Without KUBECONFIG it points
// kubectl at the admin kubeconfig of the data directory (dataDir, else
// $ORDO_DATA_DIR or the default), if that file exists, except in a pod:
// there, as kubectl in a container does, it uses the pod's service
// account (the token, ca.crt and KUBERNETES_SERVICE_HOST the pod was
// given), never the host's admin credentials, which a pod's view of the
// host's files may include. With no kubeconfig anywhere, the first
// request to a server says where it looked instead of kubectl's
// "connection to the server localhost:8080 was refused".
func runKubectlIn(dataDir string, args []string) int {
	_, inClusterErr := rest.InClusterConfig()
	choice, err := chooseKubeconfig(kubeconfigInput{
		dataDir: dataDir, inCluster: inClusterErr == nil, homeConfig: clientcmd.RecommendedHomeFile, exists: fileExists,
	})
	if err != nil {
		cmdutil.CheckErr(err)
		return 1
	}
	if choice.kubeconfig != "" {
		os.Setenv("KUBECONFIG", choice.kubeconfig)
	}
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	flags := kubectlConfigFlags(streams)
	if choice.missing != nil {
		flags.WrapConfigFn = noServerGuard(flags, choice.missing)
	}
	cmd := kubectlcmd.NewDefaultKubectlCommandWithArgs(kubectlcmd.KubectlOptions{
		PluginHandler: kubectlcmd.NewDefaultPluginHandler(plugin.ValidPluginFilenamePrefixes),
		Arguments:     append([]string{"kubectl"}, args...),
		ConfigFlags:   flags,
		IOStreams:     streams,
	})
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

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
