// Package serviceaccount is kube-controller-manager's serviceaccounts
// controller: every active namespace has a ServiceAccount named "default",
// made when the namespace appears and made again if it is deleted, so pods
// (which run as "default" unless they name another) can get tokens.
package serviceaccount

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/controller/nsobject"
)

// Default is the ServiceAccount every namespace gets.
const Default = "default"

// Config holds the controller's dependencies.
type Config struct {
	Client kubernetes.Interface
	// Informers is shared with other controllers when given; New creates
	// one when nil. Run starts it either way.
	Informers informers.SharedInformerFactory
}

// Controller keeps a "default" ServiceAccount in every active namespace.
type Controller struct {
	keeper *nsobject.Keeper
}

// New builds a Controller; Run starts it. It fails when an event handler
// cannot be added.
func New(c Config) (*Controller, error) {
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers}, "serviceaccount", "service-account-controller")
	if err != nil {
		return nil, err
	}
	ensure := func(ctx context.Context, ns string, current runtime.Object) error {
		if current != nil {
			return nil
		}
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: Default, Namespace: ns}}
		_, err := b.Client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{})
		return err
	}
	keeper, err := nsobject.New(nsobject.Kept{
		Name: Default, Informer: b.Informers.Core().V1().ServiceAccounts().Informer(), Ensure: ensure,
	}, b)
	if err != nil {
		return nil, err
	}
	return &Controller{keeper: keeper}, nil
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.keeper.Run(ctx, workers)
}
