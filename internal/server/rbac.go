package server

import (
	"context"
	"fmt"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/rbac"
)

// ensureBootstrapRBAC creates Kubernetes' default ClusterRoles and
// ClusterRoleBindings that are missing. An existing default role gets the
// rules a newer ordo added to it, as kube-apiserver reconciles its roles,
// unless an administrator set rbac.authorization.kubernetes.io/autoupdate
// to "false"; nothing is ever taken away, so an administrator's additions
// survive restarts.
func ensureBootstrapRBAC(ctx context.Context, c kubernetes.Interface) error {
	for _, cr := range rbac.BootstrapClusterRoles() {
		_, err := c.RbacV1().ClusterRoles().Create(ctx, cr, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			err = addMissingRules(ctx, c, cr)
		}
		if err != nil {
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

// addMissingRules appends to the stored role the default rules it lacks.
// Aggregated roles are left alone: their rules are composed when read.
func addMissingRules(ctx context.Context, c kubernetes.Interface, want *rbacv1.ClusterRole) error {
	have, err := c.RbacV1().ClusterRoles().Get(ctx, want.Name, metav1.GetOptions{})
	if err != nil || have.AggregationRule != nil || have.Annotations[rbac.AutoUpdateAnnotation] == "false" {
		return err
	}
	changed := false
	for _, r := range want.Rules {
		if !slices.ContainsFunc(have.Rules, func(h rbacv1.PolicyRule) bool { return equality.Semantic.DeepEqual(h, r) }) {
			have.Rules = append(have.Rules, r)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	_, err = c.RbacV1().ClusterRoles().Update(ctx, have, metav1.UpdateOptions{})
	return err
}
