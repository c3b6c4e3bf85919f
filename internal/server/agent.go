package server

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ordo-dev/ordo/internal/agent"
	"github.com/ordo-dev/ordo/internal/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// localAgentConfig configures the agent `ordo server` runs for its own
// machine. It talks to the API through the server's loopback client.
func localAgentConfig(o Options, dataDir string, client kubernetes.Interface) (agent.Config, error) {
	self, err := os.Executable()
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
	}, nil
}

func runAgent(ctx context.Context, c agent.Config) {
	if err := agent.New(c).Run(ctx); err != nil && ctx.Err() == nil {
		klog.Errorf("agent: %v", err)
	}
}
