package apiserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/ordo-dev/ordo/internal/pki"
	"github.com/ordo-dev/ordo/internal/wellknown"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// agentLocator finds a node's agent from the URL its Node publishes, and
// dials it through a transport that accepts only that node's serving
// certificate (pki.VerifyAgent): a node cannot stand in for another by
// publishing its address.
type agentLocator struct {
	nodes      func() kubernetes.Interface
	tlsConfig  *tls.Config
	mu         sync.Mutex
	transports map[string]http.RoundTripper
}

func newAgentLocator(nodes func() kubernetes.Interface, tlsConfig *tls.Config) *agentLocator {
	return &agentLocator{nodes: nodes, tlsConfig: tlsConfig, transports: map[string]http.RoundTripper{}}
}

// transport is node's transport, made once.
func (l *agentLocator) transport(node string) http.RoundTripper {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.transports[node]; ok {
		return t
	}
	cfg := l.tlsConfig.Clone()
	cfg.VerifyPeerCertificate = pki.VerifyAgent(cfg.RootCAs, node)
	t := &http.Transport{TLSClientConfig: cfg}
	l.transports[node] = t
	return t
}

func (l *agentLocator) Location(ctx context.Context, node string) (*url.URL, http.RoundTripper, error) {
	client := l.nodes()
	if client == nil {
		return nil, nil, apierrors.NewServiceUnavailable("the API server is starting")
	}
	n, err := client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	raw := n.Annotations[wellknown.AgentURLAnnotation]
	if raw == "" {
		return nil, nil, apierrors.NewServiceUnavailable(fmt.Sprintf("node %q has published no agent address", node))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, apierrors.NewInternalError(fmt.Errorf("node %q: bad agent address %q: %w", node, raw, err))
	}
	return u, l.transport(node), nil
}
