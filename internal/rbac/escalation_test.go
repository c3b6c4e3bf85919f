package rbac

import (
	"context"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/endpoints/request"
)

// A namespace admin (the "admin" ClusterRole bound in team) may grant
// "view" there, but not bind cluster-admin, nor write a Role with rights
// they lack; with the escalate or bind verb they may.
func TestGuardRefusesEscalation(t *testing.T) {
	adminInTeam := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "alice-admin"},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "admin"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: "alice"}}}
	z := newTestAuthorizer(t, append(bootstrapObjects(), adminInTeam)...)
	g := &Guard{Authorizer: z, Rules: z, Roles: z}
	ctx := request.WithUser(context.Background(), as("alice"))

	if err := g.MayBind(ctx, "team", rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"}); err != nil {
		t.Errorf("binding view in team: %v", err)
	}
	err := g.MayBind(ctx, "team", rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"})
	if err == nil || !strings.Contains(err.Error(), `user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held`) {
		t.Errorf("binding cluster-admin in team: %v", err)
	}
	if err := g.MayBind(ctx, "elsewhere", rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"}); err == nil {
		t.Error("binding view in a namespace alice does not administer")
	}
	nodes := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"delete"}}}
	if err := g.MayGrant(ctx, "roles", "team", "r", nodes, false); err == nil || !strings.Contains(err.Error(), `Resources:["nodes"]`) {
		t.Errorf("a Role with rights alice lacks: %v", err)
	}
	jobs := []rbacv1.PolicyRule{{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"create", "get"}}}
	if err := g.MayGrant(ctx, "roles", "team", "r", jobs, false); err != nil {
		t.Errorf("a Role within alice's rights: %v", err)
	}
	if err := g.MayGrant(ctx, "clusterroles", "", "agg", nil, true); err == nil {
		t.Error("an aggregated ClusterRole by a namespace admin")
	}

	escalate := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "escalator"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"roles"}, Verbs: []string{"escalate"}},
		{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"clusterroles"}, ResourceNames: []string{"cluster-admin"}, Verbs: []string{"bind"}}}}
	given := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "alice-escalates"},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "escalator"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: "alice"}}}
	z = newTestAuthorizer(t, append(bootstrapObjects(), adminInTeam, escalate, given)...)
	g = &Guard{Authorizer: z, Rules: z, Roles: z}
	if err := g.MayGrant(ctx, "roles", "team", "r", nodes, false); err != nil {
		t.Errorf("with escalate: %v", err)
	}
	if err := g.MayBind(ctx, "team", rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"}); err != nil {
		t.Errorf("with bind on cluster-admin: %v", err)
	}
}
