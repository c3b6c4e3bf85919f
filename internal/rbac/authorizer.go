package rbac

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/informers"
	rbaclisters "k8s.io/client-go/listers/rbac/v1"
)

// Authorizer answers from the API server's informer caches of RBAC
// objects; until they have synced, it has no opinion (403), as a new
// Kubernetes cluster does before its RBAC caches fill.
type Authorizer struct {
	clusterRoles    rbaclisters.ClusterRoleLister
	roles           rbaclisters.RoleLister
	clusterBindings rbaclisters.ClusterRoleBindingLister
	bindings        rbaclisters.RoleBindingLister
}

// New registers the four RBAC informers with f (started with the API
// server's other informers).
func New(f informers.SharedInformerFactory) *Authorizer {
	v1 := f.Rbac().V1()
	return &Authorizer{
		clusterRoles:    v1.ClusterRoles().Lister(),
		roles:           v1.Roles().Lister(),
		clusterBindings: v1.ClusterRoleBindings().Lister(),
		bindings:        v1.RoleBindings().Lister(),
	}
}

// Authorize allows a request when a binding that names the user grants a
// rule that matches it: any ClusterRoleBinding, or a RoleBinding in the
// request's namespace.
func (z *Authorizer) Authorize(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	u := a.GetUser()
	if u == nil {
		return authorizer.DecisionNoOpinion, "", nil
	}
	clusterBindings, err := z.clusterBindings.List(labels.Everything())
	if err != nil {
		return authorizer.DecisionNoOpinion, "", err
	}
	for _, b := range clusterBindings {
		if appliesTo(u, b.Subjects, "") && z.refAllows(a, "", b.RoleRef) {
			return authorizer.DecisionAllow, fmt.Sprintf("RBAC: allowed by ClusterRoleBinding %q of ClusterRole %q", b.Name, b.RoleRef.Name), nil
		}
	}
	ns := a.GetNamespace()
	if ns == "" {
		return authorizer.DecisionNoOpinion, "", nil
	}
	bindings, err := z.bindings.RoleBindings(ns).List(labels.Everything())
	if err != nil {
		return authorizer.DecisionNoOpinion, "", err
	}
	for _, b := range bindings {
		if appliesTo(u, b.Subjects, ns) && z.refAllows(a, ns, b.RoleRef) {
			return authorizer.DecisionAllow, fmt.Sprintf("RBAC: allowed by RoleBinding %q of %s %q in namespace %q", b.Name, b.RoleRef.Kind, b.RoleRef.Name, ns), nil
		}
	}
	return authorizer.DecisionNoOpinion, "", nil
}

// refAllows: one of the rules of the role a binding refers to allows a.
// A missing role grants nothing.
func (z *Authorizer) refAllows(a authorizer.Attributes, ns string, ref rbacv1.RoleRef) bool {
	for _, r := range z.rulesOf(ns, ref) {
		if ruleAllows(a, &r) {
			return true
		}
	}
	return false
}

// rulesOf returns the rules of a Role (in ns) or of a ClusterRole.
func (z *Authorizer) rulesOf(ns string, ref rbacv1.RoleRef) []rbacv1.PolicyRule {
	switch ref.Kind {
	case "Role":
		if ns == "" {
			return nil
		}
		r, err := z.roles.Roles(ns).Get(ref.Name)
		if err != nil {
			return nil
		}
		return r.Rules
	case "ClusterRole":
		cr, err := z.clusterRoles.Get(ref.Name)
		if err != nil {
			return nil
		}
		return z.clusterRoleRules(cr, map[string]bool{})
	}
	return nil
}

// clusterRoleRules are a ClusterRole's own rules or, when it aggregates,
// the rules of every ClusterRole its selectors match (seen guards against
// roles that aggregate each other).
func (z *Authorizer) clusterRoleRules(cr *rbacv1.ClusterRole, seen map[string]bool) []rbacv1.PolicyRule {
	if seen[cr.Name] {
		return nil
	}
	seen[cr.Name] = true
	if cr.AggregationRule == nil {
		return cr.Rules
	}
	var out []rbacv1.PolicyRule
	for _, sel := range cr.AggregationRule.ClusterRoleSelectors {
		s, err := metav1.LabelSelectorAsSelector(&sel)
		if err != nil {
			continue
		}
		matched, err := z.clusterRoles.List(s)
		if err != nil {
			continue
		}
		for _, m := range matched {
			out = append(out, z.clusterRoleRules(m, seen)...)
		}
	}
	return out
}

// ConditionsAwareAuthorize gives the same answer as Authorize: RBAC has no
// conditional decisions.
func (z *Authorizer) ConditionsAwareAuthorize(ctx context.Context, a authorizer.Attributes) authorizer.ConditionsAwareDecision {
	return authorizer.ConditionsAwareDecisionFromParts(z.Authorize(ctx, a))
}

// EvaluateConditions fails closed: there are never conditions to evaluate.
func (z *Authorizer) EvaluateConditions(context.Context, authorizer.ConditionsAwareDecision, authorizer.ConditionsData) (authorizer.Decision, string, error) {
	return authorizer.DecisionDeny, "", authorizer.ErrorConditionEvaluationNotSupported
}
