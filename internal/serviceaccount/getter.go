package serviceaccount

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// CachedGetter reads from informer caches and falls back to the API when
// the cache has not seen an object yet (or has an older one of the same
// name), as kube-apiserver's token getter does: a pod asks for a token
// moments after it was created.
type CachedGetter struct {
	ServiceAccounts corelisters.ServiceAccountLister
	Pods            corelisters.PodLister
	// Nodes, when set, serves the node a pod-bound token names (nil:
	// every lookup goes to the API).
	Nodes corelisters.NodeLister
	// Client is called per fallback lookup; it must not authenticate with a
	// service-account token.
	Client func() kubernetes.Interface
}

var _ Getter = CachedGetter{}

// ServiceAccount implements Getter.
func (g CachedGetter) ServiceAccount(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	if sa, err := g.ServiceAccounts.ServiceAccounts(namespace).Get(name); err == nil {
		return sa, nil
	} else if !apierrors.IsNotFound(err) {
		return nil, err
	}
	return g.Client().CoreV1().ServiceAccounts(namespace).Get(ctx, name, metav1.GetOptions{})
}

// Node implements Getter. A token is issued per pod start and renewal,
// so a read through the API was one GET of the pod's node per pod;
// kube-apiserver reads its node informer, and so does this, falling back
// to the API for a node the cache has not seen yet.
func (g CachedGetter) Node(ctx context.Context, name string) (*corev1.Node, error) {
	if g.Nodes != nil {
		if node, err := g.Nodes.Get(name); err == nil {
			return node, nil
		} else if !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	return g.Client().CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
}

// Pod implements Getter.
func (g CachedGetter) Pod(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	if pod, err := g.Pods.Pods(namespace).Get(name); err == nil {
		return pod, nil
	} else if !apierrors.IsNotFound(err) {
		return nil, err
	}
	return g.Client().CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
}
