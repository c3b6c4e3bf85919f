package server

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// builtinNamespaces exist from the first start, as in Kubernetes.
var builtinNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// bootstrap creates the built-in namespaces, the "kubernetes" Service in
// default, pointing at this API server (k.run then keeps it), the default RBAC roles and
// bindings, the system PriorityClasses, the default StorageClass, the
// default ServiceCIDR and the API priority and fairness bootstrap objects.
// Existing objects are left alone, so it is safe on every start and from
// several servers.
func bootstrap(ctx context.Context, c kubernetes.Interface, k *kubernetesService, serviceCIDR string, clustered bool) error {
	for _, name := range builtinNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if _, err := c.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
	}
	if err := k.ensure(ctx); err != nil {
		return err
	}
	if err := ensureBootstrapRBAC(ctx, c); err != nil {
		return err
	}
	if err := ensureSystemPriorityClasses(ctx, c); err != nil {
		return err
	}
	if err := ensureServiceCIDR(ctx, c, serviceCIDR, clustered); err != nil {
		return err
	}
	if err := ensureFlowControl(ctx, c); err != nil {
		return err
	}
	return ensureDefaultStorageClass(ctx, c)
}
