package defaults

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

func TestBindingsDefaultTheirAPIGroups(t *testing.T) {
	b := &rbacv1.RoleBinding{
		RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "reader"},
		Subjects: []rbacv1.Subject{
			{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: "ns"},
			{Kind: rbacv1.UserKind, Name: "alice"},
			{Kind: rbacv1.GroupKind, Name: "devs"},
			{Kind: rbacv1.UserKind, Name: "bob", APIGroup: "example.com"},
		},
	}
	RoleBinding(b)
	if b.RoleRef.APIGroup != rbacv1.GroupName {
		t.Errorf("roleRef.apiGroup %q", b.RoleRef.APIGroup)
	}
	for i, want := range []string{"", rbacv1.GroupName, rbacv1.GroupName, "example.com"} {
		if got := b.Subjects[i].APIGroup; got != want {
			t.Errorf("subject %d (%s): apiGroup %q, want %q", i, b.Subjects[i].Kind, got, want)
		}
	}
	c := &rbacv1.ClusterRoleBinding{RoleRef: rbacv1.RoleRef{APIGroup: "other", Kind: "ClusterRole", Name: "x"}}
	ClusterRoleBinding(c)
	if c.RoleRef.APIGroup != "other" {
		t.Errorf("a set roleRef.apiGroup was changed to %q", c.RoleRef.APIGroup)
	}
}
