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

The server prints the command to use on start: the token is the agent
join token <server data-dir>/pki/agent-token (or the server token
pki/node-token, or a bootstrap token from 'ordo token create') and the CA
certificate <server data-dir>/pki/ca.crt. The token is used only to obtain
the node's own client certificate (system:node:NAME, through a
CertificateSigningRequest the server approves), kept in
<data-dir>/pki and renewed before it expires. The agent registers a Node
named after the host (--node-name), runs the pods bound to it, and serves
their logs and exec to the API server on --listen.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return node.RunJoined(genericapiserver.SetupSignalContext(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Server, "server", "", "URL of the ordo API server, e.g. https://10.0.0.1:6443")
	f.StringVar(&o.Token, "token", "", "a join token: the server's agent token, node token or a bootstrap token")
	f.DurationVar(&o.CertLifetime, "node-cert-lifetime", node.DefaultCertLifetime, "lifetime requested for the node's client certificate (renewed at 70-90% of it; at least 10m)")
	f.StringVar(&o.CACert, "ca-cert", "", "the server's CA certificate file")
	f.StringVar(&o.Node.DataDir, "data-dir", "", "state directory (default as for ordo server)")
	f.StringVar(&o.Node.Listen, "listen", o.Node.Listen, "address the agent serves logs and exec to the API server on")
	addNodeFlags(f, &o.Node)
	return cmd
}
