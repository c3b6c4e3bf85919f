package server

import (
	"crypto/tls"
	"fmt"

	"github.com/ordo-dev/ordo/internal/node"
	"github.com/ordo-dev/ordo/internal/pki"
	"k8s.io/client-go/kubernetes"
)

// localNode assembles the node `ordo server` runs for its own machine, in
// its data directory dir. It talks to the API through the server's
// loopback client and serves it with the server's agent certificate.
func localNode(o node.Options, dir string, files pki.Files, client kubernetes.Interface) (*node.Node, error) {
	o.DataDir = dir
	// The local agent answers the API server on loopback only.
	o.Listen = "127.0.0.1:0"
	return node.New(o, node.Access{Client: client, ServeTLS: func(string) (*tls.Config, error) {
		serveTLS, err := files.AgentServerTLS()
		if err != nil {
			return nil, fmt.Errorf("agent: %w", err)
		}
		return serveTLS, nil
	}})
}
