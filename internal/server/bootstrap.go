package server

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// builtinNamespaces exist from the first start, as in Kubernetes.
var builtinNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// bootstrapStep is one group of objects bootstrap makes sure exist.
type bootstrapStep struct {
	name   string
	ensure func(context.Context) error
}

// bootstrap creates the built-in namespaces, the "kubernetes" Service in
// default, pointing at this API server (k.run then keeps it), the default RBAC roles and
// bindings, the system PriorityClasses, the default StorageClass, the
// default ServiceCIDR and the API priority and fairness bootstrap objects.
// Existing objects are left alone, so it is safe on every start and from
// several servers. Each step's time is logged at V(2): the ready line
// waits for all of them, so a slow step is a slow start. namespacesDone
// is called once the built-in namespaces exist.
func bootstrap(ctx context.Context, c kubernetes.Interface, k *kubernetesService, serviceCIDR string, clustered bool, namespacesDone func()) error {
	steps := []bootstrapStep{
		{"namespaces", func(ctx context.Context) error {
			if err := ensureNamespaces(ctx, c); err != nil {
				return err
			}
			namespacesDone()
			return nil
		}},
		{"kubernetes service", k.ensure},
		{"rbac", func(ctx context.Context) error { return ensureBootstrapRBAC(ctx, c) }},
		{"priority classes", func(ctx context.Context) error { return ensureSystemPriorityClasses(ctx, c) }},
		{"service cidr", func(ctx context.Context) error { return ensureServiceCIDR(ctx, c, serviceCIDR, clustered) }},
		{"flow control", func(ctx context.Context) error { return ensureFlowControl(ctx, c) }},
		{"storage class", func(ctx context.Context) error { return ensureDefaultStorageClass(ctx, c) }},
	}
	logger := klog.FromContext(ctx)
	for _, s := range steps {
		start := time.Now()
		if err := s.ensure(ctx); err != nil {
			return err
		}
		logger.V(2).Info("Bootstrap step done", "step", s.name, "duration", time.Since(start))
	}
	return nil
}

// ensureNamespaces creates the built-in namespaces that are missing.
func ensureNamespaces(ctx context.Context, c kubernetes.Interface) error {
	for _, name := range builtinNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if _, err := c.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
	}
	return nil
}
