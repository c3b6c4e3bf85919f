package cli

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/ordo-dev/ordo/internal/node"
)

// addNodeFlags are the node flags of ordo server (for its local agent) and
// ordo agent. --data-dir and --listen are each command's own: the
// server's data directory is the node's too, and its --listen is the API's.
func addNodeFlags(f *pflag.FlagSet, o *node.Options) {
	f.StringVar(&o.NodeName, "node-name", "", "name of this machine's Node (default: the host name)")
	f.DurationVar(&o.SyncFrequency, "sync-frequency", time.Minute, "how often running pods' configMap, secret and downwardAPI volumes are refreshed")
	f.BoolVar(&o.StopPodsOnExit, "stop-pods-on-exit", false, "stop every pod when ordo stops (SIGTERM or Ctrl-C), as before pods outlived ordo; without it a stop leaves the pods running for the next start to adopt")
	f.StringSliceVar(&o.AllowedUnsafeSysctls, "allowed-unsafe-sysctls", nil, "unsafe sysctls (or prefixes ending in *) pods may set, as the kubelet's flag: only namespaced ones (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.*); the safe set is always allowed")
	f.IntVar(&o.MaxPods, "max-pods", o.MaxPods, "how many pods the node runs at most, as the kubelet's --max-pods (the scheduler counts it against the node's allocatable)")
	addImageFlags(f, &o.Images)
	f.StringVar(&o.Bridge, "bridge", o.Bridge, "name of the bridge pods attach to")
	f.StringVar(&o.ServiceInterface, "service-interface", o.ServiceInterface, "name of the interface that holds Service cluster IPs for the service proxy")
	f.StringSliceVar(&o.NodePortAddresses, "nodeport-addresses", nil, "the addresses NodePort Services are served on, as kube-proxy's --nodeport-addresses (default: the node's InternalIP)")
	f.StringVar(&o.PodCIDR, "pod-cidr", o.PodCIDR, "IPv4 range for this node's pod IPs (default: the Node's spec.podCIDR, a block of the server's --cluster-cidr); it must match a spec.podCIDR the Node already holds")
}

// addImageFlags are the image flags of a node.
func addImageFlags(f *pflag.FlagSet, o *node.ImageOptions) {
	f.StringVar(&o.Table, "image-table", "", "a file of image entries (the host's programs a known image runs when it is not pulled), read before the built-in table (default <data-dir>/images.yaml when present)")
	f.StringVar(&o.Registries, "registries", "", "registry mirrors, credentials and TLS, in k3s' registries.yaml format (default <data-dir>/registries.yaml when present)")
	f.StringVar(&o.Source, "image-source", "auto", "where containers' roots come from: auto (the image store, then a registry; the image table when the registry cannot be reached), registry (images only), or table (the image table for every image it knows)")
}
