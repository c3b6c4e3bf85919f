package printers

import (
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestBindings(t *testing.T) {
	subjects := []rbacv1.Subject{
		{Kind: rbacv1.UserKind, Name: "alice"}, {Kind: rbacv1.UserKind, Name: "bob"},
		{Kind: rbacv1.GroupKind, Name: "devs"},
		{Kind: rbacv1.ServiceAccountKind, Namespace: "ci", Name: "deployer"},
	}
	meta := metav1.ObjectMeta{Name: "b", CreationTimestamp: ago(5 * time.Minute)}
	tests := []struct {
		resource string
		obj      runtime.Object
		role     string
		doc      string
	}{
		{"rolebindings", &rbacv1.RoleBinding{ObjectMeta: meta, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "edit"}, Subjects: subjects}, "Role/edit", "Users in the roleBinding"},
		{"clusterrolebindings", &rbacv1.ClusterRoleBinding{ObjectMeta: meta, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "admin"}, Subjects: subjects}, "ClusterRole/admin", "Users in the clusterRoleBinding"},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			gr := schema.GroupResource{Group: "rbac.authorization.k8s.io", Resource: tt.resource}
			assertColumns(t, gr, tt.obj, columnSet{normal: []string{"Name", "Role", "Age"}, wide: []string{"Users", "Groups", "ServiceAccounts"}})
			assertCells(t, gr, tt.obj, "b", tt.role, "5m", "alice, bob", "devs", "ci/deployer")
			if got := convert(t, gr, tt.obj).ColumnDefinitions[3].Description; got != tt.doc {
				t.Errorf("users description = %q", got)
			}
		})
	}
}

func TestBindingWithoutSubjects(t *testing.T) {
	gr := schema.GroupResource{Group: "rbac.authorization.k8s.io", Resource: "rolebindings"}
	b := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"}}
	assertCells(t, gr, b, "b", "ClusterRole/view", "<unknown>", "", "", "")
}
