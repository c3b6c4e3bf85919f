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

// Node implements Getter: a read through the API (tokens are issued per
// pod start and renewal, not per request).
func (g CachedGetter) Node(ctx context.Context, name string) (*corev1.Node, error) {
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
