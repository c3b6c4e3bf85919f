package rbac

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

// RulesFor lists what RBAC grants u in namespace ns (cluster-wide grants
// included), for SelfSubjectRulesReview (`kubectl auth can-i --list`).
func (z *Authorizer) RulesFor(_ context.Context, u user.Info, ns string) ([]authorizer.ResourceRuleInfo, []authorizer.NonResourceRuleInfo, bool, error) {
	var rules []rbacv1.PolicyRule
	clusterBindings, err := z.clusterBindings.List(labels.Everything())
	if err != nil {
		return nil, nil, true, err
	}
	for _, b := range clusterBindings {
		if appliesTo(u, b.Subjects, "") {
			rules = append(rules, z.rulesOf("", b.RoleRef)...)
		}
	}
	if ns != "" {
		bindings, err := z.bindings.RoleBindings(ns).List(labels.Everything())
		if err != nil {
			return nil, nil, true, err
		}
		for _, b := range bindings {
			if appliesTo(u, b.Subjects, ns) {
				rules = append(rules, z.rulesOf(ns, b.RoleRef)...)
			}
		}
	}
	res, nonRes := splitRules(rules)
	return res, nonRes, false, nil
}

// splitRules turns PolicyRules into the authorizer's rule infos.
func splitRules(rules []rbacv1.PolicyRule) ([]authorizer.ResourceRuleInfo, []authorizer.NonResourceRuleInfo) {
	var res []authorizer.ResourceRuleInfo
	var nonRes []authorizer.NonResourceRuleInfo
	for _, r := range rules {
		if len(r.Resources) > 0 {
			res = append(res, &authorizer.DefaultResourceRuleInfo{Verbs: r.Verbs, APIGroups: r.APIGroups, Resources: r.Resources, ResourceNames: r.ResourceNames})
		}
		if len(r.NonResourceURLs) > 0 {
			nonRes = append(nonRes, &authorizer.DefaultNonResourceRuleInfo{Verbs: r.Verbs, NonResourceURLs: r.NonResourceURLs})
		}
	}
	return res, nonRes
}
