package cli

import (
	"github.com/ordo-dev/ordo/internal/server"
	"github.com/spf13/cobra"
)

// addClusterFlags adds the flags that make servers one cluster, and the
// `remove` subcommand.
func addClusterFlags(cmd *cobra.Command, c *server.ClusterOptions) {
	f := cmd.Flags()
	f.BoolVar(&c.Init, "cluster-init", false, "start the first member of an embedded etcd cluster other servers can --join")
	f.StringVar(&c.Join, "join", "", "URL of a server of the cluster to join as another server, e.g. https://10.0.0.1:6443")
	f.StringVar(&c.Token, "token", "", "with --join: the cluster's join token (<data-dir>/pki/node-token of a server)")
	f.StringVar(&c.CACert, "ca-cert", "", "with --join: the cluster CA certificate (<data-dir>/pki/ca.crt of a server), which the joined server must present")
	f.StringVar(&c.AdvertiseAddress, "advertise-address", "", "with --cluster-init or --join: the IP other servers reach this one's etcd at (default: the IP of --listen)")
	f.IntVar(&c.EtcdClientPort, "etcd-client-port", c.EtcdClientPort, "with --cluster-init or --join: etcd's client port on --advertise-address (TLS, cluster CA client certificates)")
	f.IntVar(&c.EtcdPeerPort, "etcd-peer-port", c.EtcdPeerPort, "with --cluster-init or --join: etcd's peer port on --advertise-address (TLS from the cluster CA)")
	cmd.AddCommand(newServerRemoveCommand())
}
