package server

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/ordo-dev/ordo/internal/agent"
	"github.com/ordo-dev/ordo/internal/network"
	"github.com/ordo-dev/ordo/internal/network/proxy"
	"github.com/ordo-dev/ordo/internal/pki"
	"github.com/ordo-dev/ordo/internal/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// localAgentConfig configures the agent `ordo server` runs for its own
// machine. It talks to the API through the server's loopback client.
func localAgentConfig(o Options, dataDir string, files pki.Files, client kubernetes.Interface) (agent.Config, error) {
	serveTLS, err := files.AgentServerTLS()
	if err != nil {
		return agent.Config{}, fmt.Errorf("agent: %w", err)
	}
	name, self, err := nodeNameAndBinary(o.NodeName)
	if err != nil {
		return agent.Config{}, err
	}
	return agent.Config{
		Client:   client,
		NodeName: name,
		NodeIP:   agent.HostIP(),
		Runtime:  agentRuntime(self, dataDir),
		DataDir:  dataDir,
		// The local agent answers the API server on loopback only.
		ServeAddr: "127.0.0.1:0",
		ServeTLS:  serveTLS,
	}, nil
}

// agentRuntime re-executes self for pods and hides from their containers,
// which otherwise see the host's file system, the data directory (the
// cluster's keys and every pod's volumes) and the host's secrets
// (runtime.HostSecrets).
func agentRuntime(self, dataDir string) *runtime.Runtime {
	data := absDir(dataDir)
	return &runtime.Runtime{Binary: self, Hide: append([]string{data}, runtime.HostSecrets("/", []string{data})...)}
}

// absDir is dir absolute and without symlinks, as far as that can be found:
// one directory has one name.
func absDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}

// podNetwork sets up the bridge pods attach to; without it (not root, no
// netlink) pods run on the host network and the agent says so per pod.
func podNetwork(o Options, dataDir string) *network.Network {
	n, err := network.New(network.Config{Bridge: o.Bridge, PodCIDR: o.PodCIDR, StateDir: filepath.Join(dataDir, "network")})
	if err != nil {
		klog.Warningf("agent: no pod networking, pods will share the host network: %v", err)
		return nil
	}
	return n
}

// proxyOptions are where the agent's service proxy serves: the interface
// holding ClusterIPs and the node-port addresses (the node's IP when none).
type proxyOptions struct {
	serviceInterface  string
	nodePortAddresses []string
}

// runAgent runs the agent, and with pod networking its cluster DNS server
// and service proxy, until ctx ends. With
// StopPodsOnExit it then removes the pod bridge and cgroups: every pod has
// been stopped, so nothing is left attached to them. Otherwise both stay
// for the pods that outlive the agent.
func runAgent(ctx context.Context, c agent.Config, po proxyOptions) {
	servicesDone := make(chan struct{})
	if n, ok := c.Network.(*network.Network); ok && n != nil {
		var svc *nodeServices
		if len(po.nodePortAddresses) == 0 {
			po.nodePortAddresses = []string{c.NodeIP}
		}
		svc, c.ClusterDNS = newNodeServices(c.Client, n.Gateway(), po)
		c.HostPorts = proxy.NewHostPorts()
		go func() { svc.run(ctx); close(servicesDone) }()
	} else {
		close(servicesDone)
	}
	if err := agent.New(c).Run(ctx); err != nil && ctx.Err() == nil {
		klog.Errorf("agent: %v", err)
	}
	<-servicesDone
	if !c.StopPodsOnExit {
		return
	}
	if n, ok := c.Network.(*network.Network); ok && n != nil {
		if err := n.Remove(); err != nil {
			klog.Warningf("agent: remove pod bridge: %v", err)
		}
	}
	if c.Cgroups != nil {
		c.Cgroups.RemoveParent()
	}
}

// podCgroups finds the cgroups that enforce limits; without them limits are
// reported as not enforced, pod by pod.
func podCgroups(parent string) *runtime.Cgroups {
	cg, err := runtime.DetectCgroups(parent)
	if err != nil {
		klog.Warningf("agent: no usable cgroups, resource limits will not be enforced: %v", err)
		return nil
	}
	return cg
}
