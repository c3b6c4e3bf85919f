// Package rootca is kube-controller-manager's root-ca-cert-publisher: every
// active namespace has a ConfigMap "kube-root-ca.crt" whose "ca.crt" is the
// CA that signed the API server's certificate. Pods' service-account volumes
// (kube-api-access-*) project it, so in-cluster clients can verify the API
// at kubernetes.default.svc or the Service's ClusterIP. A deleted or edited
// copy is made or set back.
package rootca

import (
	"context"
	"github.com/ordo-dev/ordo/internal/wellknown"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/controller/nsobject"
)

// The description is Kubernetes'; the ConfigMap's name and key are in
// wellknown, since the service-account admission plugin mounts them.
const (
	descriptionAnnotation = "kubernetes.io/description"
	description           = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
)

// Config holds the controller's dependencies.
type Config struct {
	Client kubernetes.Interface
	// Informers is shared with other controllers (namespaces are read from
	// it); New creates one when nil. Run starts it either way.
	Informers informers.SharedInformerFactory
	// CA is the PEM of the API server's CA.
	CA []byte
}

// Controller publishes the CA in every active namespace.
type Controller struct {
	configMaps informers.SharedInformerFactory
	keeper     *nsobject.Keeper
}

// New builds a Controller; Run starts it. It watches only ConfigMaps named
// kube-root-ca.crt, not every ConfigMap of the cluster. It fails when an
// event handler cannot be added.
func New(c Config) (*Controller, error) {
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers}, "root-ca-cert-publisher", "root-ca-cert-publisher")
	if err != nil {
		return nil, err
	}
	named := informers.NewSharedInformerFactoryWithOptions(c.Client, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = fields.OneTermEqualSelector("metadata.name", wellknown.RootCAConfigMap).String()
	}))
	ca := string(c.CA)
	ensure := func(ctx context.Context, ns string, current runtime.Object) error {
		if current == nil {
			_, err := c.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Name: wellknown.RootCAConfigMap, Namespace: ns,
					Annotations: map[string]string{descriptionAnnotation: description}},
				Data: map[string]string{wellknown.RootCAKey: ca},
			}, metav1.CreateOptions{})
			return err
		}
		cm := current.(*corev1.ConfigMap)
		if cm.Data[wellknown.RootCAKey] == ca && len(cm.Data) == 1 && len(cm.BinaryData) == 0 && cm.Annotations[descriptionAnnotation] == description {
			return nil
		}
		cm = cm.DeepCopy()
		cm.Data, cm.BinaryData = map[string]string{wellknown.RootCAKey: ca}, nil
		if cm.Annotations == nil {
			cm.Annotations = map[string]string{}
		}
		cm.Annotations[descriptionAnnotation] = description
		_, err := c.Client.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
		return err
	}
	keeper, err := nsobject.New(nsobject.Kept{
		Name: wellknown.RootCAConfigMap, Informer: named.Core().V1().ConfigMaps().Informer(), Ensure: ensure,
	}, b)
	if err != nil {
		return nil, err
	}
	return &Controller{configMaps: named, keeper: keeper}, nil
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.configMaps.Start(ctx.Done())
	defer c.configMaps.Shutdown()
	c.keeper.Run(ctx, workers)
}
