package server

import (
	"context"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ordo-dev/ordo/internal/rbac"
)

// A cluster made by an older ordo has system:basic-user without the
// selfsubjectreviews rule; a restart adds it (and keeps what an
// administrator added), unless autoupdate is "false".
func TestBootstrapRolesGainNewRulesUnlessAutoupdateIsOff(t *testing.T) {
	old := func(name, autoupdate string) *rbacv1.ClusterRole {
		return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{rbac.AutoUpdateAnnotation: autoupdate}},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"example.com"}, Resources: []string{"things"}, Verbs: []string{"get"}}}}
	}
	c := fake.NewClientset(old("system:basic-user", "true"), old("system:discovery", "false"))
	ctx := context.Background()
	if err := ensureBootstrapRBAC(ctx, c); err != nil {
		t.Fatal(err)
	}
	basic, _ := c.RbacV1().ClusterRoles().Get(ctx, "system:basic-user", metav1.GetOptions{})
	found, kept := false, false
	for _, r := range basic.Rules {
		found = found || (len(r.Resources) == 1 && r.Resources[0] == "selfsubjectreviews")
		kept = kept || r.APIGroups[0] == "example.com"
	}
	if !found || !kept {
		t.Errorf("system:basic-user rules %+v: want the added selfsubjectreviews rule and the administrator's rule", basic.Rules)
	}
	disc, _ := c.RbacV1().ClusterRoles().Get(ctx, "system:discovery", metav1.GetOptions{})
	if len(disc.Rules) != 1 {
		t.Errorf("system:discovery has autoupdate false but was changed: %+v", disc.Rules)
	}
}
