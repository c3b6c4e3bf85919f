package pki

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"os"
	"path/filepath"

	"k8s.io/client-go/util/cert"
)

// EtcdCert is this server's etcd certificate, signed by the cluster CA. One
// certificate serves the member's client and peer listeners and is what it
// presents as a client to other members, so it carries both server and
// client usages and names the member's advertise IP (etcd checks the
// peer's certificate against the address it dials).
func (f Files) EtcdCert() string { return filepath.Join(f.Dir, "etcd.crt") }

// EtcdKey is EtcdCert's key.
func (f Files) EtcdKey() string { return filepath.Join(f.Dir, "etcd.key") }

// EtcdCommonName is the CN of every member's certificate.
const EtcdCommonName = "ordo-etcd"

// EnsureEtcd issues EtcdCert for ips (plus 127.0.0.1 and localhost) unless
// the one there already covers them. It needs the CA key: a server that
// joined has fetched it from the first.
func EnsureEtcd(f Files, ips []net.IP) error {
	ips = append([]net.IP{net.ParseIP("127.0.0.1")}, ips...)
	hosts := []string{"localhost"}
	if exists(f.EtcdCert()) && covers(f.EtcdCert(), hosts, ips) {
		return nil
	}
	ca, caKey, err := f.LoadCA()
	if err != nil {
		return err
	}
	tmpl := leafTemplate(pkix.Name{CommonName: EtcdCommonName}, x509.ExtKeyUsageServerAuth)
	tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	tmpl.DNSNames, tmpl.IPAddresses = hosts, ips
	return issue(ca, caKey, tmpl, f.EtcdCert(), f.EtcdKey())
}

// EtcdClientTLS is how ordo dials other members' client URLs (to add,
// promote or remove members): presenting EtcdCert, trusting only the
// cluster CA.
func (f Files) EtcdClientTLS() (*tls.Config, error) {
	pool, err := f.caPool()
	if err != nil {
		return nil, err
	}
	pair, err := tls.LoadX509KeyPair(f.EtcdCert(), f.EtcdKey())
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// SharedFiles are the files every server of one cluster must hold alike:
// the CAs (so each server's certificates are trusted by all clients), the
// service-account key (so a token one server signed is good at another)
// and the join tokens. A joining server fetches them from the first.
func (f Files) SharedFiles() map[string]string {
	return map[string]string{
		"ca.crt": f.CACert(), "ca.key": f.CAKey(), "sa.key": f.ServiceAccountKey(), "node-token": f.NodeToken(), "agent-token": f.AgentToken(),
		"front-proxy-ca.crt": f.FrontProxyCACert(), "front-proxy-ca.key": f.FrontProxyCAKey(),
	}
}

// WriteShared writes the shared files a joining server fetched, before
// Ensure makes the rest from them. Keys are written 0600.
func (f Files) WriteShared(data map[string][]byte) error {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return err
	}
	for name, path := range f.SharedFiles() {
		content, ok := data[name]
		if !ok {
			return &os.PathError{Op: "fetch", Path: name, Err: os.ErrNotExist}
		}
		mode := os.FileMode(0o600)
		if filepath.Ext(name) == ".crt" {
			mode = 0o644
			if _, err := cert.ParseCertsPEM(content); err != nil {
				return err
			}
		}
		if err := writeAtomic(path, content, mode); err != nil {
			return err
		}
	}
	return nil
}
