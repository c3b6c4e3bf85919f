package defaults

import (
	rbacv1 "k8s.io/api/rbac/v1"
)

// RoleBinding defaults roleRef.apiGroup and its subjects' apiGroups as
// Kubernetes' rbac/v1 defaults do: clients (kubectl create rolebinding,
// client-go callers such as the e2e framework) routinely leave
// roleRef.apiGroup empty, and validation only accepts
// rbac.authorization.k8s.io.
func RoleBinding(b *rbacv1.RoleBinding) { defaultBinding(&b.RoleRef, b.Subjects) }

// ClusterRoleBinding is RoleBinding's defaulting for cluster bindings.
func ClusterRoleBinding(b *rbacv1.ClusterRoleBinding) { defaultBinding(&b.RoleRef, b.Subjects) }

func defaultBinding(ref *rbacv1.RoleRef, subjects []rbacv1.Subject) {
	if ref.APIGroup == "" {
		ref.APIGroup = rbacv1.GroupName
	}
	for i := range subjects {
		Subject(&subjects[i])
	}
}

// Subject defaults a subject's apiGroup by its kind: "" for a
// ServiceAccount (a core object), rbac.authorization.k8s.io for a User or
// Group.
func Subject(s *rbacv1.Subject) {
	if s.APIGroup != "" {
		return
	}
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		s.APIGroup = ""
	case rbacv1.UserKind, rbacv1.GroupKind:
		s.APIGroup = rbacv1.GroupName
	}
}
