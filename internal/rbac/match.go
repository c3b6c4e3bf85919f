package rbac

import (
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

// ruleAllows matches one PolicyRule against one request. A rule is either
// about resources (apiGroups, resources, resourceNames) or about
// non-resource URLs; the request's kind picks which half must match.
func ruleAllows(a authorizer.Attributes, r *rbacv1.PolicyRule) bool {
	if !has(r.Verbs, a.GetVerb()) {
		return false
	}
	if !a.IsResourceRequest() {
		return nonResourceURLMatches(r.NonResourceURLs, a.GetPath())
	}
	return has(r.APIGroups, a.GetAPIGroup()) &&
		resourceMatches(r.Resources, a.GetResource(), a.GetSubresource()) &&
		resourceNameMatches(r.ResourceNames, a.GetName())
}

// has: the list names the value, or "*".
func has(list []string, v string) bool {
	for _, x := range list {
		if x == rbacv1.VerbAll || x == v {
			return true
		}
	}
	return false
}

// resourceMatches: "*", the resource with its subresource ("pods/log"),
// the resource alone when no subresource is asked for, or "*/<sub>" for a
// subresource of any resource.
func resourceMatches(rules []string, resource, subresource string) bool {
	want := resource
	if subresource != "" {
		want = resource + "/" + subresource
	}
	for _, r := range rules {
		switch {
		case r == rbacv1.ResourceAll, r == want:
			return true
		case subresource != "" && r == "*/"+subresource:
			return true
		}
	}
	return false
}

// resourceNameMatches: no names means every object; otherwise the request
// must name one of them (so list, watch and create, which name none, are
// not allowed by a rule with resourceNames).
func resourceNameMatches(names []string, name string) bool {
	return len(names) == 0 || slices.Contains(names, name)
}

// nonResourceURLMatches: "*", the exact path, or a prefix ending in "*".
func nonResourceURLMatches(urls []string, path string) bool {
	for _, u := range urls {
		switch {
		case u == rbacv1.NonResourceAll, u == path:
			return true
		case strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimSuffix(u, "*")):
			return true
		}
	}
	return false
}

// RulesAllow says whether any of rules allows the request: the rule
// matching of RBAC, for authorizers with built-in rules (package nodeauthz).
func RulesAllow(a authorizer.Attributes, rules []rbacv1.PolicyRule) bool {
	for i := range rules {
		if ruleAllows(a, &rules[i]) {
			return true
		}
	}
	return false
}
