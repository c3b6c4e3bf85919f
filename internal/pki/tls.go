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
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// AgentClientTLS is how the API server calls agents: trusting the CA and
// presenting its agent-client certificate.
func (f Files) AgentClientTLS() (*tls.Config, error) {
	pool, err := f.caPool()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(f.AgentClientCert(), f.AgentClientKey())
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
