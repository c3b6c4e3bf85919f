package cli

import (
	"time"

	"github.com/ordo-dev/ordo/internal/server"
	"github.com/spf13/cobra"
	genericapiserver "k8s.io/apiserver/pkg/server"
)

func newAgentCommand() *cobra.Command {
	o := server.DefaultAgentOptions()
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
			return server.RunAgent(genericapiserver.SetupSignalContext(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Server, "server", "", "URL of the ordo API server, e.g. https://10.0.0.1:6443")
	f.StringVar(&o.Token, "token", "", "the server's node token")
	f.StringVar(&o.CACert, "ca-cert", "", "the server's CA certificate file")
	f.StringVar(&o.DataDir, "data-dir", "", "state directory (default as for ordo server)")
	f.StringVar(&o.NodeName, "node-name", "", "name of this machine's Node (default: the host name)")
	f.StringVar(&o.Listen, "listen", o.Listen, "address the agent serves logs and exec to the API server on")
	f.DurationVar(&o.SyncFrequency, "sync-frequency", time.Minute, "how often running pods' configMap, secret and downwardAPI volumes are refreshed")
	f.BoolVar(&o.StopPodsOnExit, "stop-pods-on-exit", false, "stop every pod when ordo stops (SIGTERM or Ctrl-C), as before pods outlived ordo; without it a stop leaves the pods running for the next start to adopt")
	f.StringSliceVar(&o.AllowedUnsafeSysctls, "allowed-unsafe-sysctls", nil, "unsafe sysctls (or prefixes ending in *) pods may set, as the kubelet's flag: only namespaced ones (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.*); the safe set is always allowed")
	f.IntVar(&o.MaxPods, "max-pods", o.MaxPods, "how many pods the node runs at most, as the kubelet's --max-pods (the scheduler counts it against the node's allocatable)")
	addImageFlags(f, &o.Images)
	f.StringVar(&o.Bridge, "bridge", o.Bridge, "name of the bridge pods attach to")
	f.StringVar(&o.ServiceInterface, "service-interface", o.ServiceInterface, "name of the interface that holds Service cluster IPs for the service proxy")
	f.StringSliceVar(&o.NodePortAddresses, "nodeport-addresses", nil, "the addresses NodePort Services are served on, as kube-proxy's --nodeport-addresses (default: the node's InternalIP)")
	f.StringVar(&o.PodCIDR, "pod-cidr", o.PodCIDR, "IPv4 range for this node's pod IPs")
	return cmd
}
