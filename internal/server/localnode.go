package server

import (
	"crypto/tls"
	"fmt"
	"net"

	"github.com/ordo-dev/ordo/internal/agent"
	"github.com/ordo-dev/ordo/internal/node"
	"github.com/ordo-dev/ordo/internal/pki"
	"k8s.io/client-go/kubernetes"
)

// localNode assembles the node `ordo server` runs for its own machine, in
// its data directory dir. It talks to the API through the server's
// loopback client and serves it with the server's agent certificate.
func localNode(o node.Options, dir string, files pki.Files, client kubernetes.Interface, clustered bool) (*node.Node, error) {
	o.DataDir = dir
	o.Listen = localAgentListen(clustered, agent.HostIP())
	return node.New(o, node.Access{Client: client, ServeTLS: func(string) (*tls.Config, error) {
		serveTLS, err := files.AgentServerTLS()
		if err != nil {
			return nil, fmt.Errorf("agent: %w", err)
		}
		return serveTLS, nil
	}})
}

// localAgentListen is where a server's own agent serves the API servers
// (exec, logs, port-forward). A lone server is its node's only API server,
// so loopback suffices. A server of a cluster (--cluster-init, --join)
// serves on the machine's address: the other servers' API servers proxy
// exec and logs of its pods there, as to a joined agent, and a loopback
// URL on the Node would make them dial themselves. Clients still need a
// certificate the cluster CA signed.
func localAgentListen(clustered bool, hostIP string) string {
	if !clustered {
		return "127.0.0.1:0"
	}
	return net.JoinHostPort(hostIP, "0")
}
