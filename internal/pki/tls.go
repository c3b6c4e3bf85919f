package pki

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/util/cert"
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
// agent-client certificate. Like kube-apiserver without
// --kubelet-certificate-authority, it does not verify the agents' serving
// certificates, which joined agents make for themselves.
func (f Files) AgentClientTLS() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(f.AgentClientCert(), f.AgentClientKey())
	if err != nil {
		return nil, err
	}
	return &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// AgentServerTLSFromCA is how a joined agent serves: a self-signed
// certificate (made in dir once), accepting only the API server's
// agent-client certificate.
func AgentServerTLSFromCA(caFile, dir, host string) (*tls.Config, error) {
	data, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: no certificate", caFile)
	}
	certFile, keyFile := filepath.Join(dir, "agent.crt"), filepath.Join(dir, "agent.key")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if !exists(certFile) {
		crt, key, err := cert.GenerateSelfSignedCertKey(host, nil, nil)
		if err != nil {
			return nil, err
		}
		if err := writeAtomic(keyFile, key, 0o600); err != nil {
			return nil, err
		}
		if err := writeAtomic(certFile, crt, 0o644); err != nil {
			return nil, err
		}
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert,
		VerifyConnection: onlyAPIServer, MinVersion: tls.VersionTLS12}, nil
}
