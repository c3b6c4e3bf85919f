package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/certificate"
	"k8s.io/client-go/util/connrotation"
	"k8s.io/klog/v2"
)

// DefaultCertLifetime is how long a node's client certificate lasts
// (kube-controller-manager's --cluster-signing-duration).
const DefaultCertLifetime = 365 * 24 * time.Hour

// Signers of nodes' client and serving certificates.
const (
	kubeletClientSigner  = "kubernetes.io/kube-apiserver-client-kubelet"
	kubeletServingSigner = "kubernetes.io/kubelet-serving"
)

// credentials are a joined node's API credentials, as kubelet TLS
// bootstrapping makes them: the join token only buys a client certificate
// system:node:NAME in system:nodes through a CertificateSigningRequest
// (approved and signed by the servers' csrapproving and csrsigning), kept
// in <data-dir>/pki with its own EC key; every other request is made with
// the certificate. client-go's certificate manager renews it (a new key,
// a new CSR made with the current certificate) when 70–90% of its
// lifetime has passed; connections made with the old one are closed.
type credentials struct {
	server, caFile, token, dir, node string
	lifetime                         time.Duration
}

// store is where the node's certificate lives: ordo-node-client-current.pem.
func (c credentials) store() (certificate.FileStore, error) {
	return certificate.NewFileStore("ordo-node-client", c.dir, c.dir, "", "")
}

// start returns a client config authenticated by the node's certificate,
// bootstrapping one first when the data directory has none that the
// server still accepts, and the manager of that certificate. Renewal runs
// until ctx ends.
func (c credentials) start(ctx context.Context) (*rest.Config, certificate.Manager, error) {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, nil, err
	}
	roots, err := c.roots()
	if err != nil {
		return nil, nil, err
	}
	store, err := c.store()
	if err != nil {
		return nil, nil, err
	}
	c.dropRefused(ctx, store, roots)
	lifetime := c.lifetime
	m, err := certificate.NewManager(&certificate.Config{
		Ctx:         &ctx,
		ClientsetFn: func(current *tls.Certificate) (kubernetes.Interface, error) { return c.client(current, roots) },
		Template: &x509.CertificateRequest{Subject: pkix.Name{
			CommonName: "system:node:" + c.node, Organization: []string{"system:nodes"}}},
		SignerName:                   kubeletClientSigner,
		RequestedCertificateLifetime: &lifetime,
		Usages:                       []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth},
		CertificateStore:             store,
		Name:                         "node-client",
	})
	if err != nil {
		return nil, nil, err
	}
	m.Start()
	if m.Current() == nil {
		klog.FromContext(ctx).Info("Requesting the node's client certificate", "node", c.node, "server", c.server)
	}
	err = wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(context.Context) (bool, error) { return m.Current() != nil, nil })
	if err != nil {
		return nil, nil, fmt.Errorf("node client certificate: %w", err)
	}
	return c.certConfig(ctx, m, roots), m, nil
}

// dropRefused forgets a stored certificate the server refuses (401): one
// issued before the node's Node was deleted (package nodeauthz), or by
// another cluster. The node then bootstraps again with its join token.
// Until the server answers (it may be starting), it asks again.
func (c credentials) dropRefused(ctx context.Context, store certificate.FileStore, roots *x509.CertPool) {
	cert, err := store.Current()
	if err != nil {
		return
	}
	client, err := c.client(cert, roots)
	if err != nil {
		return
	}
	logger := klog.FromContext(ctx)
	err = wait.PollUntilContextTimeout(ctx, time.Second, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsUnauthorized(err) {
			logger.Info("Checking the node's certificate with the server", "err", err)
			return false, nil
		}
		return true, err
	})
	if !apierrors.IsUnauthorized(err) {
		return
	}
	logger.Info("The server refuses the node's certificate, bootstrapping a new one", "node", c.node)
	if err := os.Remove(store.CurrentPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		logger.Error(err, "Remove refused certificate")
	}
}

// client is a clientset with cert, or with the join token when cert is nil.
func (c credentials) client(cert *tls.Certificate, roots *x509.CertPool) (kubernetes.Interface, error) {
	cfg := &rest.Config{Host: c.server, TLSClientConfig: rest.TLSClientConfig{CAFile: c.caFile}, Timeout: 30 * time.Second}
	if cert == nil {
		cfg.BearerToken = c.token
		return kubernetes.NewForConfig(cfg)
	}
	tlsCfg := &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	return kubernetes.NewForConfig(&rest.Config{Host: c.server, Timeout: 30 * time.Second,
		Transport: utilnet.SetTransportDefaults(&http.Transport{TLSClientConfig: tlsCfg})})
}

// certConfig is the node's client config: each new connection presents
// the manager's current certificate, and a renewal closes the connections
// made with the previous one (as the kubelet does), so watches resume
// under the new certificate.
func (c credentials) certConfig(ctx context.Context, m certificate.Manager, roots *x509.CertPool) *rest.Config {
	dialer := connrotation.NewDialer((&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext)
	tlsCfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if cert := m.Current(); cert != nil {
				return cert, nil
			}
			return &tls.Certificate{}, nil
		}}
	go func() {
		last := m.Current()
		wait.UntilWithContext(ctx, func(ctx context.Context) {
			if cur := m.Current(); cur != last {
				klog.FromContext(ctx).Info("Node client certificate renewed, closing connections made with the previous one", "node", c.node)
				last = cur
				dialer.CloseAll()
			}
		}, 10*time.Second)
	}()
	return &rest.Config{Host: c.server, QPS: 50, Burst: 100,
		Transport: utilnet.SetTransportDefaults(&http.Transport{TLSClientConfig: tlsCfg, DialContext: dialer.DialContext})}
}

func (c credentials) roots() (*x509.CertPool, error) {
	data, err := os.ReadFile(c.caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("--ca-cert: %s holds no certificate", c.caFile)
	}
	return pool, nil
}

// serving starts the manager of the node's serving certificate, signed by
// the cluster CA (signer kubelet-serving, CN system:node:NAME, for the
// node's name and IPs), requested and renewed with the node's client
// certificate, and waits for the first. The API server checks it by the
// node's name when it calls the agent.
func (c credentials) serving(ctx context.Context, client certificate.Manager, ips []net.IP) (certificate.Manager, error) {
	roots, err := c.roots()
	if err != nil {
		return nil, err
	}
	store, err := certificate.NewFileStore("ordo-node-serving", c.dir, c.dir, "", "")
	if err != nil {
		return nil, err
	}
	lifetime := c.lifetime
	m, err := certificate.NewManager(&certificate.Config{
		Ctx:         &ctx,
		ClientsetFn: func(*tls.Certificate) (kubernetes.Interface, error) { return c.client(client.Current(), roots) },
		Template: &x509.CertificateRequest{Subject: pkix.Name{CommonName: "system:node:" + c.node, Organization: []string{"system:nodes"}},
			DNSNames: []string{c.node}, IPAddresses: ips},
		SignerName:                   kubeletServingSigner,
		RequestedCertificateLifetime: &lifetime,
		Usages:                       []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageServerAuth},
		CertificateStore:             store,
		Name:                         "node-serving",
	})
	if err != nil {
		return nil, err
	}
	m.Start()
	err = wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(context.Context) (bool, error) { return m.Current() != nil, nil })
	if err != nil {
		return nil, fmt.Errorf("node serving certificate: %w", err)
	}
	return m, nil
}
