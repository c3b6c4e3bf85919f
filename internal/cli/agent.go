package cli

import (
	"github.com/ordo-dev/ordo/internal/node"
	"github.com/spf13/cobra"
	genericapiserver "k8s.io/apiserver/pkg/server"
)

func newAgentCommand() *cobra.Command {
	o := node.JoinOptions{Node: node.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "agent --server URL --token TOKEN --ca-cert FILE",
		Short: "Join this machine to an ordo server as a node that runs pods",
		Long: `Join this machine to an ordo server as a node.

The server prints the command to use on start: the token is
<server data-dir>/pki/node-token and the CA certificate
<server data-dir>/pki/ca.crt. The agent registers a Node named after the
host (--node-name), runs the pods bound to it, and serves their logs and
exec to the API server on --listen.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return node.RunJoined(genericapiserver.SetupSignalContext(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Server, "server", "", "URL of the ordo API server, e.g. https://10.0.0.1:6443")
	f.StringVar(&o.Token, "token", "", "the server's node token")
	f.StringVar(&o.CACert, "ca-cert", "", "the server's CA certificate file")
	f.StringVar(&o.Node.DataDir, "data-dir", "", "state directory (default as for ordo server)")
	f.StringVar(&o.Node.Listen, "listen", o.Node.Listen, "address the agent serves logs and exec to the API server on")
	addNodeFlags(f, &o.Node)
	return cmd
}
