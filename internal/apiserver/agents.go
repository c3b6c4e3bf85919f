package apiserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"

	"github.com/ordo-dev/ordo/internal/wellknown"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// agentLocator finds a node's agent from the URL its Node publishes.
type agentLocator struct {
	nodes     func() kubernetes.Interface
	transport http.RoundTripper
}

func newAgentLocator(nodes func() kubernetes.Interface, tlsConfig *tls.Config) *agentLocator {
	return &agentLocator{nodes: nodes, transport: &http.Transport{TLSClientConfig: tlsConfig}}
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
	return u, l.transport, nil
}
