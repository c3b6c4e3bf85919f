// Package pki creates, on a server's first start, the certificate authority,
// the API server's serving certificate and the admin's client certificate, and
// loads them on every later start. Files live in <data-dir>/pki.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"
)

const validity = 10 * 365 * 24 * time.Hour

// Files names the PEM files of one data directory.
type Files struct {
	Dir string
}

// CACert is the CA certificate clients trust and that signs client certs.
func (f Files) CACert() string { return filepath.Join(f.Dir, "ca.crt") }

// CAKey is the CA's private key.
func (f Files) CAKey() string { return filepath.Join(f.Dir, "ca.key") }

// ServingCert is the API server's certificate.
func (f Files) ServingCert() string { return filepath.Join(f.Dir, "apiserver.crt") }

// ServingKey is the API server's private key.
func (f Files) ServingKey() string { return filepath.Join(f.Dir, "apiserver.key") }

// AdminCert is the admin client's certificate (O=system:masters).
func (f Files) AdminCert() string { return filepath.Join(f.Dir, "admin.crt") }

// AdminKey is the admin client's private key.
func (f Files) AdminKey() string { return filepath.Join(f.Dir, "admin.key") }

// AgentClientCert is the API server's client certificate towards node
// agents (logs, and later exec), as kube-apiserver's kubelet client cert.
func (f Files) AgentClientCert() string { return filepath.Join(f.Dir, "apiserver-agent-client.crt") }

// AgentClientKey is its private key.
func (f Files) AgentClientKey() string { return filepath.Join(f.Dir, "apiserver-agent-client.key") }

// FrontProxyCACert is the CA of the aggregator's front-proxy client
// certificate: extension API servers trust requests it signs to carry the
// user's name in X-Remote-User (kube-apiserver's
// --requestheader-client-ca-file). It is not the cluster CA, so no other
// client certificate can pass for the front proxy.
func (f Files) FrontProxyCACert() string { return filepath.Join(f.Dir, "front-proxy-ca.crt") }

// FrontProxyCAKey signs FrontProxyClientCert.
func (f Files) FrontProxyCAKey() string { return filepath.Join(f.Dir, "front-proxy-ca.key") }

// FrontProxyClientCert is what the aggregator presents to extension API
// servers (kube-apiserver's --proxy-client-cert-file), CN front-proxy-client.
func (f Files) FrontProxyClientCert() string { return filepath.Join(f.Dir, "front-proxy-client.crt") }

// FrontProxyClientKey is FrontProxyClientCert's key.
func (f Files) FrontProxyClientKey() string { return filepath.Join(f.Dir, "front-proxy-client.key") }

// FrontProxyClientName is the front proxy's CN, the one name extension
// servers accept (requestheader-allowed-names).
const FrontProxyClientName = "front-proxy-client"

// ServiceAccountKey is the private key that signs service-account tokens
// (kube-apiserver's --service-account-signing-key-file). It is an ECDSA P-256
// key, so tokens are ES256 JWTs.
func (f Files) ServiceAccountKey() string { return filepath.Join(f.Dir, "sa.key") }

// NodeToken is the server join token (k3s's --token): servers join with
// it (ordo server --join --token), and agents may bootstrap with it too.
// The file keeps its first name so existing clusters keep their token.
func (f Files) NodeToken() string { return filepath.Join(f.Dir, "node-token") }

// ReadNodeToken returns the server join token.
func (f Files) ReadNodeToken() (string, error) {
	data, err := os.ReadFile(f.NodeToken())
	return strings.TrimSpace(string(data)), err
}

// AgentToken is the agent join token (k3s's --agent-token): it only lets
// an agent bootstrap its node's own client certificate.
func (f Files) AgentToken() string { return filepath.Join(f.Dir, "agent-token") }

// ReadAgentToken returns the agent join token.
func (f Files) ReadAgentToken() (string, error) {
	data, err := os.ReadFile(f.AgentToken())
	return strings.TrimSpace(string(data)), err
}

// ensureToken writes a new random token to path unless it exists.
func ensureToken(path string) error {
	if exists(path) {
		return nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	return writeAtomic(path, []byte(hex.EncodeToString(b)+"\n"), 0o600)
}

// Ensure creates whatever is missing: the CA, then a serving certificate valid
// for hosts and ips, then the admin client certificate. Existing files are
// kept, so clients' kubeconfigs stay valid across restarts; only a serving
// certificate that does not cover every host and IP asked for now (a new
// --listen or --service-cidr) is issued again, by the same CA.
func Ensure(f Files, hosts []string, ips []net.IP) error {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return err
	}
	if !exists(f.CACert()) {
		if err := newCA(f.CACert(), f.CAKey(), "ordo-ca"); err != nil {
			return err
		}
	}
	ca, caKey, err := loadCA(f.CACert(), f.CAKey())
	if err != nil {
		return err
	}
	if err := ensureFrontProxy(f); err != nil {
		return err
	}
	if !exists(f.ServingCert()) || !covers(f.ServingCert(), hosts, ips) {
		tmpl := leafTemplate(pkix.Name{CommonName: ServingName}, x509.ExtKeyUsageServerAuth)
		tmpl.DNSNames, tmpl.IPAddresses = hosts, ips
		if err := issue(ca, caKey, tmpl, f.ServingCert(), f.ServingKey()); err != nil {
			return err
		}
	}
	clients := []struct {
		cert, key string
		subject   pkix.Name
	}{
		{f.AdminCert(), f.AdminKey(), pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}}},
		{f.AgentClientCert(), f.AgentClientKey(), pkix.Name{CommonName: AgentClientName, Organization: []string{"system:masters"}}},
	}
	for _, token := range []string{f.NodeToken(), f.AgentToken()} {
		if err := ensureToken(token); err != nil {
			return err
		}
	}
	if !exists(f.ServiceAccountKey()) {
		if err := newServiceAccountKey(f.ServiceAccountKey()); err != nil {
			return err
		}
	}
	for _, c := range clients {
		if !exists(c.cert) {
			if err := issue(ca, caKey, leafTemplate(c.subject, x509.ExtKeyUsageClientAuth), c.cert, c.key); err != nil {
				return err
			}
		}
	}
	return nil
}

// covers tells whether the certificate at path names every host and IP.
func covers(path string, hosts []string, ips []net.IP) bool {
	certs, err := cert.CertsFromFile(path)
	if err != nil || len(certs) == 0 {
		return false
	}
	for _, h := range hosts {
		if !slices.Contains(certs[0].DNSNames, h) {
			return false
		}
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(certs[0].IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// newServiceAccountKey writes a fresh token-signing key. It is made once and
// kept: replacing it would invalidate every token pods hold.
func newServiceAccountKey(path string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	keyPEM, err := keyutil.MarshalPrivateKeyToPEM(key)
	if err != nil {
		return err
	}
	return writeAtomic(path, keyPEM, 0o600)
}

// ensureFrontProxy makes the front-proxy CA and the aggregator's client
// certificate, as kubeadm does.
func ensureFrontProxy(f Files) error {
	if !exists(f.FrontProxyCACert()) {
		if err := newCA(f.FrontProxyCACert(), f.FrontProxyCAKey(), "front-proxy-ca"); err != nil {
			return err
		}
	}
	if exists(f.FrontProxyClientCert()) {
		return nil
	}
	ca, caKey, err := loadCA(f.FrontProxyCACert(), f.FrontProxyCAKey())
	if err != nil {
		return err
	}
	return issue(ca, caKey, leafTemplate(pkix.Name{CommonName: FrontProxyClientName}, x509.ExtKeyUsageClientAuth), f.FrontProxyClientCert(), f.FrontProxyClientKey())
}

func newCA(certPath, keyPath, name string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	caCert, err := cert.NewSelfSignedCACert(cert.Config{CommonName: name}, key)
	if err != nil {
		return err
	}
	return writePair(certPath, keyPath, caCert, key)
}

func loadCA(certPath, keyPath string) (*x509.Certificate, crypto.Signer, error) {
	certs, err := cert.CertsFromFile(certPath)
	if err != nil {
		return nil, nil, fmt.Errorf("load CA: %w", err)
	}
	key, err := keyutil.PrivateKeyFromFile(keyPath)
	if err != nil {
		return nil, nil, fmt.Errorf("load CA key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New("CA key cannot sign")
	}
	return certs[0], signer, nil
}

func leafTemplate(subject pkix.Name, usage x509.ExtKeyUsage) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      subject,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
}

func issue(ca *x509.Certificate, caKey crypto.Signer, tmpl *x509.Certificate, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	return writePair(certPath, keyPath, leaf, key)
}

// writePair writes the key first and the certificate last, each atomically, so
// a crash never leaves a certificate whose key is missing.
func writePair(certPath, keyPath string, c *x509.Certificate, key *ecdsa.PrivateKey) error {
	keyPEM, err := keyutil.MarshalPrivateKeyToPEM(key)
	if err != nil {
		return err
	}
	if err := writeAtomic(keyPath, keyPEM, 0o600); err != nil {
		return err
	}
	certPEM, err := cert.EncodeCertificates(c)
	if err != nil {
		return err
	}
	return writeAtomic(certPath, certPEM, 0o644)
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// LoadCA reads the CA's certificate and key, with which the CSR signing
// controller issues the built-in signers' certificates.
func (f Files) LoadCA() (*x509.Certificate, crypto.Signer, error) {
	return loadCA(f.CACert(), f.CAKey())
}
