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
	// One list per kind instead of a refused Create per default object:
	// on a restart every one of them exists.
	roles, err := c.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list clusterroles: %w", err)
	}
	have := map[string]*rbacv1.ClusterRole{}
	for i := range roles.Items {
		have[roles.Items[i].Name] = &roles.Items[i]
	}
	for _, cr := range rbac.BootstrapClusterRoles() {
		if err := ensureClusterRole(ctx, c, cr, have[cr.Name]); err != nil {
			return fmt.Errorf("create clusterrole %s: %w", cr.Name, err)
		}
	}
	bindings, err := c.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list clusterrolebindings: %w", err)
	}
	haveBinding := map[string]bool{}
	for _, b := range bindings.Items {
		haveBinding[b.Name] = true
	}
	for _, b := range rbac.BootstrapClusterRoleBindings() {
		if haveBinding[b.Name] {
			continue
		}
		if _, err := c.RbacV1().ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create clusterrolebinding %s: %w", b.Name, err)
		}
	}
	return nil
}

// ensureClusterRole creates want when it is missing (have is nil), else
// adds the rules it lacks. Another server may create it in between, so an
// AlreadyExists reads it again.
func ensureClusterRole(ctx context.Context, c kubernetes.Interface, want, have *rbacv1.ClusterRole) error {
	if have == nil {
		_, err := c.RbacV1().ClusterRoles().Create(ctx, want, metav1.CreateOptions{})
		if !apierrors.IsAlreadyExists(err) {
			return err
		}
		if have, err = c.RbacV1().ClusterRoles().Get(ctx, want.Name, metav1.GetOptions{}); err != nil {
			return err
		}
	}
	return addMissingRules(ctx, c, want, have)
}

// addMissingRules appends to the stored role the default rules it lacks.
// Aggregated roles are left alone: their rules are composed when read.
func addMissingRules(ctx context.Context, c kubernetes.Interface, want, have *rbacv1.ClusterRole) error {
	if have.AggregationRule != nil || have.Annotations[rbac.AutoUpdateAnnotation] == "false" {
		return nil
	}
	have = have.DeepCopy()
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
	_, err := c.RbacV1().ClusterRoles().Update(ctx, have, metav1.UpdateOptions{})
	return err
}
