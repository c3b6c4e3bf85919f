package server

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ordo-dev/ordo/internal/agent"
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
	var self string
	self, err = os.Executable()
	if err != nil {
		return agent.Config{}, fmt.Errorf("agent: find own binary: %w", err)
	}
	name := o.NodeName
	if name == "" {
		host, err := os.Hostname()
		if err != nil {
			return agent.Config{}, fmt.Errorf("agent: node name: %w", err)
		}
		name = strings.ToLower(host)
	}
	return agent.Config{
		Client:   client,
		NodeName: name,
		NodeIP:   agent.HostIP(),
		Runtime:  &runtime.Runtime{Binary: self},
		DataDir:  dataDir,
		// The local agent answers the API server on loopback only; its
		// serving certificate is valid for 127.0.0.1.
		ServeAddr: "127.0.0.1:0",
		ServeTLS:  serveTLS,
	}, nil
}

func runAgent(ctx context.Context, c agent.Config) {
	if err := agent.New(c).Run(ctx); err != nil && ctx.Err() == nil {
		klog.Errorf("agent: %v", err)
	}
}
