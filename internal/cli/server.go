package cli

import (
	"time"

	"github.com/ordo-dev/ordo/internal/admission/tolerationseconds"
	"github.com/ordo-dev/ordo/internal/controller/nodelifecycle"
	"github.com/ordo-dev/ordo/internal/server"
	"github.com/spf13/cobra"
	genericapiserver "k8s.io/apiserver/pkg/server"
)

func newServerCommand() *cobra.Command {
	o := server.DefaultOptions()
	var etcdServers string
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Serve the Kubernetes API from embedded etcd (or --etcd-servers) and run the controllers",
		Long: `Serve the Kubernetes API over HTTPS.

On first start ordo creates a CA, a serving certificate, an admin client
certificate and <data-dir>/kubeconfig.yaml, which 'ordo kubectl' uses.
The data directory is --data-dir, else $ORDO_DATA_DIR, else /var/lib/ordo
(root) or ~/.local/share/ordo.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.EtcdServers = server.SplitList(etcdServers)
			return server.Run(genericapiserver.SetupSignalContext(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.DataDir, "data-dir", "", "state directory (default $ORDO_DATA_DIR, /var/lib/ordo as root, ~/.local/share/ordo otherwise)")
	f.StringVar(&o.Listen, "listen", o.Listen, "HTTPS address of the API, IP:port")
	f.StringVar(&etcdServers, "etcd-servers", "", "comma-separated client URLs of an external etcd cluster (default: embedded etcd)")
	f.StringSliceVar(&o.RuntimeHandlerAliases, "runtime-handler-aliases", nil, "more RuntimeClass handler names (besides \"ordo\" and \"runc\") that run pods with ordo's runtime; Kubernetes' conformance tests need \"test-handler\"")
	f.DurationVar(&o.EtcdCompactionInterval, "etcd-compaction-interval", 5*time.Minute, "how often the API server compacts old etcd revisions (as kube-apiserver's flag)")
	addNodeFlags(f, &o.Node)
	f.DurationVar(&o.NodeMonitorGracePeriod, "node-monitor-grace-period", nodelifecycle.DefaultGracePeriod, "how long a node's agent may go without a heartbeat before its Node's conditions are Unknown, it is tainted unreachable and its pods are not Ready (as kube-controller-manager's flag)")
	f.Int64Var(&o.TolerationSeconds.NotReady, "default-not-ready-toleration-seconds", tolerationseconds.DefaultSeconds, "tolerationSeconds of the node.kubernetes.io/not-ready:NoExecute toleration added to every pod that has none: how long its pods stay on a node that reports itself not ready (as kube-apiserver's flag)")
	f.Int64Var(&o.TolerationSeconds.Unreachable, "default-unreachable-toleration-seconds", tolerationseconds.DefaultSeconds, "tolerationSeconds of the node.kubernetes.io/unreachable:NoExecute toleration added to every pod that has none: how long after its node became unreachable a pod is evicted (as kube-apiserver's flag)")
	f.BoolVar(&o.NoAgent, "no-agent", false, "run no pods on this machine (API, etcd and controllers only)")
	f.StringVar(&o.ServiceCIDR, "service-cidr", o.ServiceCIDR, "IPv4 range for Service cluster IPs")
	addClusterFlags(cmd, &o.Cluster)
	f.BoolVar(&o.AllocateNodeCIDRs, "allocate-node-cidrs", o.AllocateNodeCIDRs, "give every Node without spec.podCIDR a block of --cluster-cidr (as kube-controller-manager's flag)")
	f.StringVar(&o.NodeCIDRs.ClusterCIDR, "cluster-cidr", o.NodeCIDRs.ClusterCIDR, "IPv4 range the nodes' pod ranges come from")
	f.IntVar(&o.NodeCIDRs.NodeMaskSize, "node-cidr-mask-size", o.NodeCIDRs.NodeMaskSize, "prefix length of each node's pod range within --cluster-cidr")
	return cmd
}
