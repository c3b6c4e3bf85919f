package node

import (
	"time"

	"github.com/ordo-dev/ordo/internal/agent"
	"github.com/ordo-dev/ordo/internal/network/proxy"
)

// Options are a node's settings: the node flags `ordo server` (for its
// local agent) and `ordo agent` share.
type Options struct {
	// NodeName names the Node (default: the host name).
	NodeName string
	// DataDir holds the node's pods, images and network leases. `ordo
	// server` sets it to its own data directory.
	DataDir string
	// Bridge is the pod bridge (ordo0). PodCIDR is a pod range given by
	// hand (--pod-cidr); empty, the node uses its Node's spec.podCIDR,
	// which the server allocates.
	Bridge, PodCIDR string
	// ServiceInterface holds the Service ClusterIPs the node's service
	// proxy serves (ordo-svc0).
	ServiceInterface string
	// NodePortAddresses are where NodePort Services are served (the
	// node's InternalIP when empty).
	NodePortAddresses []string
	// Listen is where the agent serves the API server (logs, exec).
	// `ordo server`'s local agent listens on loopback only.
	Listen string
	// SyncFrequency is the agent's volume refresh period.
	SyncFrequency time.Duration
	// Images are where containers' images come from.
	Images ImageOptions
	// MaxPods is the pods the node offers (--max-pods).
	MaxPods int
	// StopPodsOnExit stops the node's pods when it stops
	// (--stop-pods-on-exit); by default they outlive it.
	StopPodsOnExit bool
	// AllowedUnsafeSysctls are the unsafe sysctls pods may set (the
	// kubelet's --allowed-unsafe-sysctls).
	AllowedUnsafeSysctls []string
}

// DefaultOptions are a node's defaults.
func DefaultOptions() Options {
	return Options{Bridge: "ordo0", ServiceInterface: proxy.DefaultInterface, Listen: "0.0.0.0:10250",
		MaxPods: agent.DefaultMaxPods}
}

// Check refuses options the node could not run with, before anything is
// touched.
func (o Options) Check() error {
	return agent.CheckUnsafeSysctls(o.AllowedUnsafeSysctls)
}
