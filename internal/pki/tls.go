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
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}, nil
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
// certificate (made in dir once), accepting only clients the cluster CA
// signed — the API server.
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
	return &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}, nil
}
