package printers

import (
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	rbacv1beta1 "k8s.io/api/rbac/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RoleBindings prints NAME ROLE AGE, and with -o wide USERS GROUPS
// SERVICEACCOUNTS. Roles and ClusterRoles have no printer in Kubernetes
// either: they get the default NAME CREATED AT table.
func RoleBindings() Printer {
	return printer[rbacv1.RoleBinding]{
		columns: bindingColumns("roleBinding", rbacv1beta1.RoleBinding{}.SwaggerDoc()["roleRef"]),
		cells: func(b *rbacv1.RoleBinding, now time.Time) ([]any, error) {
			return bindingCells(b.ObjectMeta, b.RoleRef, b.Subjects, now), nil
		},
	}
}

// ClusterRoleBindings prints as RoleBindings do.
func ClusterRoleBindings() Printer {
	return printer[rbacv1.ClusterRoleBinding]{
		columns: bindingColumns("clusterRoleBinding", rbacv1beta1.ClusterRoleBinding{}.SwaggerDoc()["roleRef"]),
		cells: func(b *rbacv1.ClusterRoleBinding, now time.Time) ([]any, error) {
			return bindingCells(b.ObjectMeta, b.RoleRef, b.Subjects, now), nil
		},
	}
}

// bindingColumns are NAME ROLE AGE, and with -o wide USERS GROUPS
// SERVICEACCOUNTS; kind only words the descriptions.
func bindingColumns(kind, roleDoc string) []metav1.TableColumnDefinition {
	return columns(
		nameColumn(),
		column("Role", "string", roleDoc),
		ageColumn(),
		wideColumn("Users", "string", "Users in the "+kind),
		wideColumn("Groups", "string", "Groups in the "+kind),
		wideColumn("ServiceAccounts", "string", "ServiceAccounts in the "+kind),
	)
}

func bindingCells(m metav1.ObjectMeta, ref rbacv1.RoleRef, subjects []rbacv1.Subject, now time.Time) []any {
	var users, groups, sas []string
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.UserKind:
			users = append(users, s.Name)
		case rbacv1.GroupKind:
			groups = append(groups, s.Name)
		case rbacv1.ServiceAccountKind:
			sas = append(sas, s.Namespace+"/"+s.Name)
		}
	}
	return []any{
		m.Name,
		ref.Kind + "/" + ref.Name,
		age(m.CreationTimestamp, now),
		strings.Join(users, ", "),
		strings.Join(groups, ", "),
		strings.Join(sas, ", "),
	}
}
