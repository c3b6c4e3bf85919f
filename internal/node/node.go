package node

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ordo-dev/ordo/internal/agent"
	"github.com/ordo-dev/ordo/internal/hostclaim"
	"github.com/ordo-dev/ordo/internal/network"
	"github.com/ordo-dev/ordo/internal/network/proxy"
	"github.com/ordo-dev/ordo/internal/network/routes"
	"github.com/ordo-dev/ordo/internal/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// Access is how a node reaches its API server and is reached by it: the
// server's loopback client and certificate for `ordo server`'s local
// agent, the node token and a certificate from the cluster CA for `ordo
// agent`.
type Access struct {
	Client kubernetes.Interface
	// ServeTLS is the agent's serving certificate for the Node name.
	ServeTLS func(nodeName string) (*tls.Config, error)
}

// Node is one machine's node, assembled: its agent's configuration (pod
// network, cgroups, runtime, images) and what runs beside the agent.
type Node struct {
	cfg        agent.Config
	opts       Options
	imageLoops func(ctx context.Context)
	proxy      proxyOptions
}

// New assembles a node: it finds the cgroups (each missing one is logged,
// and pods run without it) and opens the image store. The pod bridge
// comes in Run, once the Node has its pod range. o.DataDir must be resolved (package datadir) and exist.
func New(o Options, a Access) (*Node, error) {
	name, self, err := nodeNameAndBinary(o.NodeName)
	if err != nil {
		return nil, err
	}
	serveTLS, err := a.ServeTLS(name)
	if err != nil {
		return nil, err
	}
	dir := o.DataDir
	c := agent.Config{
		Client: a.Client, NodeName: name, NodeIP: agent.HostIP(),
		Runtime: agentRuntime(self, dir), DataDir: dir,
		ServeAddr: o.Listen, ServeTLS: serveTLS,
		SyncFrequency: o.SyncFrequency, MaxPods: o.MaxPods,
		StopPodsOnExit: o.StopPodsOnExit, AllowedUnsafeSysctls: o.AllowedUnsafeSysctls,
	}
	imageLoops, err := nodeImages(o.Images, dir, &c)
	if err != nil {
		return nil, err
	}
	// Each node (tests run several on one machine) keeps its pods'
	// cgroups apart.
	c.Cgroups = podCgroups("ordo-" + name)
	return &Node{cfg: c, opts: o, imageLoops: imageLoops, proxy: proxyOptions{o.ServiceInterface, o.NodePortAddresses}}, nil
}

// Run runs the node (its image loops, agent, DNS server, service proxy and
// routes to the other nodes' pod ranges) until ctx ends; see runAgent for
// what a stop leaves behind. First it waits for the Node's pod range
// (awaitPodCIDR) and builds the pod bridge on it; a --pod-cidr the Node
// does not hold is its error.
func (n *Node) Run(ctx context.Context) error {
	cidr, err := awaitPodCIDR(ctx, n.cfg.Client, n.cfg.NodeName, n.opts.PodCIDR)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if n.opts.PodCIDR == "" {
		// The range came from the server: claim it now, so two nodes on
		// one machine never share one.
		claims, err := TakeClaims(AbsDir(n.opts.DataDir), []hostclaim.Resource{podCIDRClaim(cidr)})
		if err != nil {
			return err
		}
		defer claims.Release()
	}
	n.opts.PodCIDR = cidr
	if net := podNetwork(n.opts, n.opts.DataDir); net != nil {
		n.cfg.Network = net
		go runRoutes(ctx, n.cfg, cidr)
	}
	n.imageLoops(ctx)
	runAgent(ctx, n.cfg, n.proxy)
	return nil
}

// Name is the Node's name: name, else the host name in lower case.
func Name(name string) (string, error) {
	name, _, err := nodeNameAndBinary(name)
	return name, err
}

// nodeNameAndBinary is the Node's name (the host name by default) and the
// ordo binary the runtime re-executes.
func nodeNameAndBinary(name string) (string, string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", "", fmt.Errorf("agent: find own binary: %w", err)
	}
	if name == "" {
		host, err := os.Hostname()
		if err != nil {
			return "", "", fmt.Errorf("agent: node name: %w", err)
		}
		name = strings.ToLower(host)
	}
	return name, self, nil
}

// agentRuntime re-executes self for pods and hides from their containers,
// which otherwise see the host's file system, the data directory (the
// cluster's keys and every pod's volumes) and the host's secrets
// (runtime.HostSecrets).
func agentRuntime(self, dataDir string) *runtime.Runtime {
	data := AbsDir(dataDir)
	return &runtime.Runtime{Binary: self, Hide: append([]string{data}, runtime.HostSecrets("/", []string{data})...)}
}

// AbsDir is dir absolute and without symlinks, as far as that can be found:
// one directory has one name.
func AbsDir(dir string) string {
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

// runRoutes keeps this node's routes to the other nodes' pod ranges
// (package routes) until ctx ends.
func runRoutes(ctx context.Context, c agent.Config, podCIDR string) {
	r, err := routes.New(routes.Config{Client: c.Client, NodeName: c.NodeName, NodeIP: c.NodeIP, PodCIDR: podCIDR,
		StateDir: filepath.Join(c.DataDir, "network"), RemoveOnStop: c.StopPodsOnExit})
	if err != nil {
		klog.FromContext(ctx).Error(err, "No routes to other nodes' pods")
		return
	}
	r.Run(ctx)
}
