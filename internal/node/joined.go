package node

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/pki"
	"github.com/ordo-dev/ordo/internal/selfmem"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// JoinOptions are `ordo agent`'s settings: a node on another machine,
// joined to a server with its node token.
type JoinOptions struct {
	Server, Token, CACert string
	Node                  Options
}

// RunJoined runs a joined node until ctx ends; see runAgent for what a stop
// leaves behind.
func RunJoined(ctx context.Context, o JoinOptions) error {
	selfmem.TrimOwnText()
	if o.Server == "" || o.Token == "" || o.CACert == "" {
		return fmt.Errorf("--server, --token and --ca-cert are required")
	}
	if err := o.Node.Check(); err != nil {
		return err
	}
	dir := datadir.Resolve(o.Node.DataDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	o.Node.DataDir = dir
	client, err := kubernetes.NewForConfig(&rest.Config{
		Host: o.Server, BearerToken: o.Token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: o.CACert},
		QPS:             50, Burst: 100,
	})
	if err != nil {
		return err
	}
	name, err := Name(o.Node.NodeName)
	if err != nil {
		return err
	}
	abs := AbsDir(dir)
	claims, err := TakeClaims(abs, o.Node.Claims(abs, name))
	if err != nil {
		return err
	}
	defer claims.Release()
	n, err := New(o.Node, Access{Client: client, ServeTLS: func(name string) (*tls.Config, error) {
		serveTLS, err := pki.AgentServerTLSFromCA(o.CACert, filepath.Join(dir, "pki"), name)
		if err != nil {
			return nil, fmt.Errorf("agent serving certificate: %w", err)
		}
		return serveTLS, nil
	}})
	if err != nil {
		return err
	}
	return n.Run(ctx)
}
