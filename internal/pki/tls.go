package pki

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// caPool is a pool holding the cluster CA.
func (f Files) caPool() (*x509.CertPool, error) {
	data, err := os.ReadFile(f.CACert())
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: no certificate", f.CACert())
	}
	return pool, nil
}

// AgentServerTLS is how an agent serves the API server: with the serving
// certificate, accepting only clients whose certificate the CA signed.
func (f Files) AgentServerTLS() (*tls.Config, error) {
	pool, err := f.caPool()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(f.ServingCert(), f.ServingKey())
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		Certificates:     []tls.Certificate{cert},
		ClientCAs:        pool,
		ClientAuth:       tls.RequireAndVerifyClientCert,
		VerifyConnection: onlyAPIServer,
		MinVersion:       tls.VersionTLS12,
	}, nil
}

// AgentClientName is the common name of the API server's certificate for
// calling agents (logs, exec, attach, port-forward).
const AgentClientName = "ordo-apiserver-agent-client"

// onlyAPIServer lets only the API server's agent-client certificate call
// an agent: the cluster CA also signs every node's client certificate, and
// one node must not exec into another's pods.
func onlyAPIServer(cs tls.ConnectionState) error {
	if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 || cs.VerifiedChains[0][0].Subject.CommonName != AgentClientName {
		return fmt.Errorf("only the API server (%s) may call the agent", AgentClientName)
	}
	return nil
}

// AgentClientTLS is how the API server calls agents: presenting its
// agent-client certificate, trusting the cluster CA (RootCAs). Go's host
// name check is off: the caller checks an agent's certificate by its
// node's name instead (VerifyAgent), as agents' addresses are the
// agents' to publish.
func (f Files) AgentClientTLS() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(f.AgentClientCert(), f.AgentClientKey())
	if err != nil {
		return nil, err
	}
	pool, err := f.caPool()
	if err != nil {
		return nil, err
	}
	return &tls.Config{InsecureSkipVerify: true, RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// ServingName is the common name of the API servers' serving certificate,
// which a server's local agent serves with too.
const ServingName = "ordo-apiserver"

// VerifyAgent checks the serving certificate of node's agent: issued by
// roots for server auth, to system:node:<node> (a joined agent's,
// package node) or to a server (ServingName: a server's local agent).
func VerifyAgent(roots *x509.CertPool, node string) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return fmt.Errorf("agent of node %q presented no certificate", node)
		}
		certs := make([]*x509.Certificate, len(raw))
		for i, r := range raw {
			c, err := x509.ParseCertificate(r)
			if err != nil {
				return fmt.Errorf("agent of node %q: %w", node, err)
			}
			certs[i] = c
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		if _, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			return fmt.Errorf("agent of node %q: %w", node, err)
		}
		if cn := certs[0].Subject.CommonName; cn != "system:node:"+node && cn != ServingName {
			return fmt.Errorf("agent of node %q presented a certificate for %q", node, cn)
		}
		return nil
	}
}

// AgentServerTLSFromCA is how a joined agent serves: with the serving
// certificate current returns (signed by the cluster CA, renewed),
// accepting only the API server's agent-client certificate.
func AgentServerTLSFromCA(caFile string, current func() *tls.Certificate) (*tls.Config, error) {
	data, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: no certificate", caFile)
	}
	return &tls.Config{
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c := current(); c != nil {
				return c, nil
			}
			return nil, fmt.Errorf("no serving certificate")
		},
		ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert,
		VerifyConnection: onlyAPIServer, MinVersion: tls.VersionTLS12}, nil
}
