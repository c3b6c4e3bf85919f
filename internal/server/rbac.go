package server

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/rbac"
)

// ensureBootstrapRBAC creates Kubernetes' default ClusterRoles and
// ClusterRoleBindings that are missing. Existing ones are left as they
// are, so an administrator's changes survive restarts.
func ensureBootstrapRBAC(ctx context.Context, c kubernetes.Interface) error {
	for _, cr := range rbac.BootstrapClusterRoles() {
		if _, err := c.RbacV1().ClusterRoles().Create(ctx, cr, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create clusterrole %s: %w", cr.Name, err)
		}
	}
	for _, b := range rbac.BootstrapClusterRoleBindings() {
		if _, err := c.RbacV1().ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create clusterrolebinding %s: %w", b.Name, err)
		}
	}
	return nil
}
