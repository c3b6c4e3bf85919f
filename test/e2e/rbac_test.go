package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// TestNamespaceAdminCannotEscalate: a service account made admin of one
// namespace (the default "admin" ClusterRole, bound there) works with
// client-go and its own token. It may hand out "view" in its namespace,
// but binding cluster-admin, or writing a Role with rights it lacks, is
// refused with Kubernetes' 403, and nothing is written.
func TestNamespaceAdminCannotEscalate(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	c.Run("create", "namespace", "team")
	c.Run("-n", "team", "create", "serviceaccount", "lead")
	c.Run("-n", "team", "create", "rolebinding", "lead-admin", "--clusterrole=admin", "--serviceaccount=team:lead")
	token := strings.TrimSpace(c.Run("-n", "team", "create", "token", "lead"))
	cfg, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg = rest.AnonymousClientConfig(cfg)
	cfg.BearerToken = token
	lead, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	binding := func(name, role string) *rbacv1.RoleBinding {
		return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default", Namespace: "team"}}}
	}
	// The admin binding reaches the authorizer's cache within moments.
	waitFor(t, func() bool {
		_, err := lead.RbacV1().RoleBindings("team").Create(ctx, binding("default-view", "view"), metav1.CreateOptions{})
		return err == nil
	}, "the namespace admin to grant view in its namespace")

	_, err = lead.RbacV1().RoleBindings("team").Create(ctx, binding("default-root", "cluster-admin"), metav1.CreateOptions{})
	want := `rolebindings.rbac.authorization.k8s.io "default-root" is forbidden: user "system:serviceaccount:team:lead"`
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "is attempting to grant RBAC permissions not currently held") {
		t.Errorf("binding cluster-admin: %v; want 403 %s … attempting to grant RBAC permissions not currently held", err, want)
	}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "node-killer"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"delete"}}}}
	if _, err := lead.RbacV1().Roles("team").Create(ctx, role, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("a Role with rights the admin lacks: %v, want 403", err)
	}
	for _, obj := range [][]string{{"rolebinding", "default-root"}, {"role", "node-killer"}} {
		if out, err := kubectlOut(c, "-n", "team", "get", obj[0], obj[1]); err == nil {
			t.Errorf("%s/%s was written: %s", obj[0], obj[1], out)
		}
	}
}

func kubectlOut(c *testcluster.T, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, _, err := c.Kubectl(ctx, "", args...)
	return out, err
}
