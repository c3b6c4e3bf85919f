package rbac

import (
	"context"
	"errors"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/component-helpers/auth/rbac/validation"
)

// Guard applies Kubernetes' privilege-escalation rule to RBAC writes: a
// user may create or update a Role or ClusterRole only with rules they
// already hold at its scope (or with the escalate verb on that kind), and
// a binding only to a role whose rules they hold (or with the bind verb on
// that role). Without it, anyone allowed to write a RoleBinding could bind
// cluster-admin.
type Guard struct {
	// Authorizer and Rules are the server's own (system:masters included),
	// for the escalate and bind verbs and for what the user holds.
	Authorizer authorizer.Authorizer
	Rules      authorizer.RuleResolver
	// Roles reads the rules of the role a binding refers to.
	Roles *Authorizer
}

// MayGrant checks a Role (ns set) or ClusterRole (ns "") with these rules;
// an aggregated ClusterRole may come to hold anything, so it needs
// everything (cluster-admin) or escalate.
func (g *Guard) MayGrant(ctx context.Context, resource, ns, name string, rules []rbacv1.PolicyRule, aggregated bool) error {
	u, ok := request.UserFrom(ctx)
	if !ok {
		return errors.New("no user in the request")
	}
	if g.may(ctx, u, "escalate", resource, ns, name) {
		return nil
	}
	if aggregated {
		rules = []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}
	}
	return g.covers(ctx, u, ns, rules)
}

// MayBind checks a RoleBinding (ns set) or ClusterRoleBinding (ns "").
func (g *Guard) MayBind(ctx context.Context, ns string, ref rbacv1.RoleRef) error {
	u, ok := request.UserFrom(ctx)
	if !ok {
		return errors.New("no user in the request")
	}
	// As in Kubernetes, bind is asked in the binding's namespace, also for
	// a ClusterRole, so a RoleBinding can grant it namespace by namespace.
	resource := "clusterroles"
	if ref.Kind == "Role" {
		resource = "roles"
	}
	if g.may(ctx, u, "bind", resource, ns, ref.Name) {
		return nil
	}
	return g.covers(ctx, u, ns, g.Roles.rulesOf(ns, ref))
}

// may asks the server's authorizer for verb on an RBAC kind.
func (g *Guard) may(ctx context.Context, u user.Info, verb, resource, ns, name string) bool {
	d, _, err := g.Authorizer.Authorize(ctx, authorizer.AttributesRecord{
		User: u, Verb: verb, APIGroup: rbacv1.GroupName, Resource: resource, Namespace: ns, Name: name, ResourceRequest: true,
	})
	return err == nil && d == authorizer.DecisionAllow
}

// covers: the user holds every one of rules in ns (cluster-wide grants
// count everywhere; for cluster scope only they count).
func (g *Guard) covers(ctx context.Context, u user.Info, ns string, rules []rbacv1.PolicyRule) error {
	res, nonRes, _, err := g.Rules.RulesFor(ctx, u, ns)
	if err != nil {
		return err
	}
	var held []rbacv1.PolicyRule
	for _, r := range res {
		held = append(held, rbacv1.PolicyRule{Verbs: r.GetVerbs(), APIGroups: r.GetAPIGroups(), Resources: r.GetResources(), ResourceNames: r.GetResourceNames()})
	}
	for _, r := range nonRes {
		held = append(held, rbacv1.PolicyRule{Verbs: r.GetVerbs(), NonResourceURLs: r.GetNonResourceURLs()})
	}
	if ok, missing := validation.Covers(held, rules); !ok {
		return fmt.Errorf("user %q (groups=%q) is attempting to grant RBAC permissions not currently held:\n%s",
			u.GetName(), u.GetGroups(), describeRules(missing))
	}
	return nil
}

// describeRules lists rules one per line, as Kubernetes' message does.
func describeRules(rules []rbacv1.PolicyRule) string {
	lines := make([]string, 0, len(rules))
	for _, r := range rules {
		var parts []string
		if len(r.APIGroups) > 0 {
			parts = append(parts, fmt.Sprintf("APIGroups:%q", r.APIGroups))
		}
		if len(r.Resources) > 0 {
			parts = append(parts, fmt.Sprintf("Resources:%q", r.Resources))
		}
		if len(r.ResourceNames) > 0 {
			parts = append(parts, fmt.Sprintf("ResourceNames:%q", r.ResourceNames))
		}
		if len(r.NonResourceURLs) > 0 {
			parts = append(parts, fmt.Sprintf("NonResourceURLs:%q", r.NonResourceURLs))
		}
		parts = append(parts, fmt.Sprintf("Verbs:%q", r.Verbs))
		lines = append(lines, "{"+strings.Join(parts, ", ")+"}")
	}
	return strings.Join(lines, "\n")
}
