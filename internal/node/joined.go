package node

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/ordo-dev/ordo/internal/agent"
	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/pki"
	"github.com/ordo-dev/ordo/internal/selfmem"
	"k8s.io/client-go/kubernetes"
)

// JoinOptions are `ordo agent`'s settings: a node on another machine,
// joined to a server with a join token (see credentials).
type JoinOptions struct {
	Server, Token, CACert string
	// CertLifetime is the requested lifetime of the node's client
	// certificate (--node-cert-lifetime; DefaultCertLifetime).
	CertLifetime time.Duration
	Node         Options
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
	name, err := Name(o.Node.NodeName)
	if err != nil {
		return err
	}
	if o.CertLifetime == 0 {
		o.CertLifetime = DefaultCertLifetime
	}
	if o.CertLifetime < 10*time.Minute {
		return fmt.Errorf("--node-cert-lifetime: invalid value %q: must be at least 10m0s (a CertificateSigningRequest's shortest expirationSeconds)", o.CertLifetime)
	}
	creds := credentials{server: o.Server, caFile: o.CACert, token: o.Token, dir: filepath.Join(dir, "pki"), node: name, lifetime: o.CertLifetime}
	cfg, clientCert, err := creds.start(ctx)
	if err != nil {
		return err
	}
	servingCert, err := creds.serving(ctx, clientCert, servingIPs(o.Node.Listen))
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	abs := AbsDir(dir)
	claims, err := TakeClaims(abs, o.Node.Claims(abs, name))
	if err != nil {
		return err
	}
	defer claims.Release()
	n, err := New(o.Node, Access{Client: client, ServeTLS: func(string) (*tls.Config, error) {
		serveTLS, err := pki.AgentServerTLSFromCA(o.CACert, servingCert.Current)
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

// servingIPs are the IPs the node's serving certificate names: the node's
// IP and the --listen IP when it names one.
func servingIPs(listen string) []net.IP {
	ips := []net.IP{net.ParseIP(agent.HostIP())}
	if host, _, err := net.SplitHostPort(listen); err == nil {
		if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() && !ip.Equal(ips[0]) {
			ips = append(ips, ip)
		}
	}
	return ips
}
