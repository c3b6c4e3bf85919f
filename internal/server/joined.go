package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/internal/agent"
	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/network/proxy"
	"github.com/ordo-dev/ordo/internal/pki"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// AgentOptions are `ordo agent`'s settings: an agent on another machine,
// joined to a server with its node token.
type AgentOptions struct {
	Server, Token, CACert string
	DataDir, NodeName     string
	Bridge, PodCIDR       string
	// ServiceInterface holds the ClusterIPs this agent proxies.
	ServiceInterface string
	// NodePortAddresses are where NodePort Services are served (the
	// node's InternalIP when empty).
	NodePortAddresses []string
	// Listen is where the agent serves the API server (logs, exec).
	Listen string
	// SyncFrequency is the volume refresh period.
	SyncFrequency time.Duration
	// Images are where containers' images come from.
	Images ImageOptions
	// MaxPods is the pods the node offers (--max-pods).
	MaxPods int
	// StopPodsOnExit stops the pods when the agent stops.
	StopPodsOnExit bool
	// AllowedUnsafeSysctls are the unsafe sysctls pods may set.
	AllowedUnsafeSysctls []string
}

// DefaultAgentOptions are the defaults of `ordo agent`.
func DefaultAgentOptions() AgentOptions {
	return AgentOptions{Bridge: "ordo0", PodCIDR: "10.42.0.0/16", ServiceInterface: proxy.DefaultInterface, Listen: "0.0.0.0:10250",
		MaxPods: agent.DefaultMaxPods}
}

// RunAgent runs a joined agent until ctx ends, then stops its pods and
// removes its bridge and cgroups.
func RunAgent(ctx context.Context, o AgentOptions) error {
	trimOwnText()
	if o.Server == "" || o.Token == "" || o.CACert == "" {
		return fmt.Errorf("--server, --token and --ca-cert are required")
	}
	if err := agent.CheckUnsafeSysctls(o.AllowedUnsafeSysctls); err != nil {
		return err
	}
	dir := datadir.Resolve(o.DataDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(&rest.Config{
		Host: o.Server, BearerToken: o.Token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: o.CACert},
		QPS:             50, Burst: 100,
	})
	if err != nil {
		return err
	}
	name, self, err := nodeNameAndBinary(o.NodeName)
	if err != nil {
		return err
	}
	claims, err := claimAgent(o, absDir(dir), name)
	if err != nil {
		return err
	}
	defer claims.Release()
	serveTLS, err := pki.AgentServerTLSFromCA(o.CACert, filepath.Join(dir, "pki"), name)
	if err != nil {
		return fmt.Errorf("agent serving certificate: %w", err)
	}
	c := agent.Config{
		Client: client, NodeName: name, NodeIP: agent.HostIP(),
		Runtime: agentRuntime(self, dir), DataDir: dir,
		ServeAddr: o.Listen, ServeTLS: serveTLS,
		Cgroups: podCgroups("ordo-" + name), SyncFrequency: o.SyncFrequency, MaxPods: o.MaxPods,
		StopPodsOnExit: o.StopPodsOnExit, AllowedUnsafeSysctls: o.AllowedUnsafeSysctls,
	}
	imageLoops, err := nodeImages(o.Images, dir, &c)
	if err != nil {
		return err
	}
	if n := podNetwork(Options{Bridge: o.Bridge, PodCIDR: o.PodCIDR}, dir); n != nil {
		c.Network = n
	}
	imageLoops(ctx)
	runAgent(ctx, c, proxyOptions{o.ServiceInterface, o.NodePortAddresses})
	return nil
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
