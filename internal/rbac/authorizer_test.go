package rbac

import (
	"context"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// newTestAuthorizer loads objects straight into the informers' caches.
func newTestAuthorizer(t *testing.T, objs ...interface{}) *Authorizer {
	t.Helper()
	f := informers.NewSharedInformerFactory(fake.NewClientset(), 0)
	z := New(f)
	v1 := f.Rbac().V1()
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *rbacv1.ClusterRole:
			err = v1.ClusterRoles().Informer().GetIndexer().Add(o)
		case *rbacv1.Role:
			err = v1.Roles().Informer().GetIndexer().Add(o)
		case *rbacv1.ClusterRoleBinding:
			err = v1.ClusterRoleBindings().Informer().GetIndexer().Add(o)
		case *rbacv1.RoleBinding:
			err = v1.RoleBindings().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return z
}

func bootstrapObjects() []interface{} {
	var out []interface{}
	for _, cr := range BootstrapClusterRoles() {
		out = append(out, cr)
	}
	for _, b := range BootstrapClusterRoleBindings() {
		out = append(out, b)
	}
	return out
}

func as(name string, groups ...string) *user.DefaultInfo {
	return &user.DefaultInfo{Name: name, Groups: append(groups, user.AllAuthenticated)}
}

func allowed(t *testing.T, z *Authorizer, u user.Info, a authorizer.AttributesRecord) bool {
	t.Helper()
	a.User = u
	d, _, err := z.Authorize(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return d == authorizer.DecisionAllow
}

// Seed 004's restart CronJob: a ClusterRole on deployments, bound to the
// cronjob namespace's default service account.
func TestSeed004DeploymentRestartGrant(t *testing.T) {
	sa := as("system:serviceaccount:cronjob:default", "system:serviceaccounts", "system:serviceaccounts:cronjob")
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "deployment-restart"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "update", "patch"}}}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "deployment-restart-binding"},
		RoleRef:  rbacv1.RoleRef{Kind: "ClusterRole", Name: "deployment-restart"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "cronjob", Name: "default"}}}
	patch := resourceReq("patch", "apps", "deployments", "", "default", "mysql")

	if allowed(t, newTestAuthorizer(t, role), sa, patch) {
		t.Error("allowed before any binding")
	}
	z := newTestAuthorizer(t, role, binding)
	if !allowed(t, z, sa, patch) {
		t.Error("the binding does not allow patching the deployment")
	}
	if allowed(t, z, sa, resourceReq("delete", "apps", "deployments", "", "default", "mysql")) {
		t.Error("delete was never granted")
	}
	if allowed(t, z, as("system:serviceaccount:other:default"), patch) {
		t.Error("another namespace's service account got the grant")
	}
}

// A RoleBinding grants only in its namespace, a Role or a ClusterRole.
func TestRoleBindingsAreNamespaced(t *testing.T) {
	u := as("alice")
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}}}}
	byRole := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "alice-reads"},
		RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "reader"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: "alice"}}}
	byClusterRole := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ops", Name: "alice-edits"},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "edit"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: "alice"}}}
	z := newTestAuthorizer(t, append(bootstrapObjects(), role, byRole, byClusterRole)...)
	cases := []struct {
		req  authorizer.AttributesRecord
		want bool
	}{
		{resourceReq("list", "", "pods", "", "team", ""), true},
		{resourceReq("list", "", "pods", "", "elsewhere", ""), false},
		{resourceReq("list", "", "pods", "", "", ""), false}, // across namespaces
		// edit aggregates view: both halves reach through the RoleBinding.
		{resourceReq("create", "batch", "jobs", "", "ops", ""), true},
		{resourceReq("watch", "batch", "cronjobs", "", "ops", ""), true},
		{resourceReq("get", "", "secrets", "", "ops", "s"), true},
		{resourceReq("create", "rbac.authorization.k8s.io", "rolebindings", "", "ops", ""), false}, // admin only
		{resourceReq("create", "batch", "jobs", "", "team", ""), false},
	}
	for _, c := range cases {
		if got := allowed(t, z, u, c.req); got != c.want {
			t.Errorf("%s %s/%s in %q: allowed = %v, want %v", c.req.Verb, c.req.APIGroup, c.req.Resource, c.req.Namespace, got, c.want)
		}
	}
}

// The default bindings: discovery for every authenticated user, nothing
// else; everything for system:masters.
func TestBootstrapPolicy(t *testing.T) {
	z := newTestAuthorizer(t, bootstrapObjects()...)
	anyone := as("system:serviceaccount:default:builder", "system:serviceaccounts")
	if !allowed(t, z, anyone, urlReq("get", "/apis/batch/v1")) || !allowed(t, z, anyone, urlReq("get", "/version")) {
		t.Error("an authenticated user cannot read discovery")
	}
	if allowed(t, z, anyone, resourceReq("list", "", "secrets", "", "default", "")) {
		t.Error("an authenticated user may list secrets by default")
	}
	admin := &user.DefaultInfo{Name: "admin", Groups: []string{user.SystemPrivilegedGroup}}
	if !allowed(t, z, admin, resourceReq("delete", "", "nodes", "", "", "n1")) || !allowed(t, z, admin, urlReq("get", "/metrics")) {
		t.Error("cluster-admin does not cover system:masters")
	}
}

// Roles that aggregate each other do not loop.
func TestAggregationCycle(t *testing.T) {
	a := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"agg": "b"}},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"agg": "a"}}}}}
	b := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "b", Labels: map[string]string{"agg": "a"}},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"agg": "b"}}}}}
	bind := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "x"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "a"},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: "u"}}}
	z := newTestAuthorizer(t, a, b, bind)
	if allowed(t, z, as("u"), resourceReq("get", "", "pods", "", "ns", "p")) {
		t.Error("rules from nowhere")
	}
}
