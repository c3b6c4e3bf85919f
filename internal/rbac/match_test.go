package rbac

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

func resourceReq(verb, group, resource, sub, ns, name string) authorizer.AttributesRecord {
	return authorizer.AttributesRecord{User: &user.DefaultInfo{Name: "u"}, Verb: verb, APIGroup: group,
		Resource: resource, Subresource: sub, Namespace: ns, Name: name, ResourceRequest: true}
}

func urlReq(verb, path string) authorizer.AttributesRecord {
	return authorizer.AttributesRecord{User: &user.DefaultInfo{Name: "u"}, Verb: verb, Path: path}
}

func TestRuleAllows(t *testing.T) {
	pods := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}
	cases := []struct {
		name string
		rule rbacv1.PolicyRule
		req  authorizer.AttributesRecord
		want bool
	}{
		{"verb and resource", pods, resourceReq("list", "", "pods", "", "ns", ""), true},
		{"other verb", pods, resourceReq("delete", "", "pods", "", "ns", "p"), false},
		{"other group", pods, resourceReq("get", "apps", "pods", "", "ns", "p"), false},
		{"a subresource needs its own entry", pods, resourceReq("get", "", "pods", "log", "ns", "p"), false},
		{"resource/subresource", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}}, resourceReq("get", "", "pods", "log", "ns", "p"), true},
		{"*/subresource", rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"*/scale"}, Verbs: []string{"update"}}, resourceReq("update", "apps", "deployments", "scale", "ns", "d"), true},
		{"*/subresource is not the resource", rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"*/scale"}, Verbs: []string{"update"}}, resourceReq("update", "apps", "deployments", "", "ns", "d"), false},
		{"wildcards", rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}, resourceReq("deletecollection", "batch", "jobs", "", "ns", ""), true},
		{"named object", rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, ResourceNames: []string{"mysql"}, Verbs: []string{"patch"}}, resourceReq("patch", "apps", "deployments", "", "ns", "mysql"), true},
		{"another object", rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, ResourceNames: []string{"mysql"}, Verbs: []string{"patch"}}, resourceReq("patch", "apps", "deployments", "", "ns", "web"), false},
		{"resourceNames never allow list", rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, ResourceNames: []string{"mysql"}, Verbs: []string{"list"}}, resourceReq("list", "apps", "deployments", "", "ns", ""), false},
		{"resource rule, URL request", pods, urlReq("get", "/api"), false},
		{"URL exact", rbacv1.PolicyRule{NonResourceURLs: []string{"/version"}, Verbs: []string{"get"}}, urlReq("get", "/version"), true},
		{"URL prefix", rbacv1.PolicyRule{NonResourceURLs: []string{"/apis/*"}, Verbs: []string{"get"}}, urlReq("get", "/apis/batch/v1"), true},
		{"URL prefix is not the bare path", rbacv1.PolicyRule{NonResourceURLs: []string{"/apis/*"}, Verbs: []string{"get"}}, urlReq("get", "/apis"), false},
		{"URL rule, resource request", rbacv1.PolicyRule{NonResourceURLs: []string{"*"}, Verbs: []string{"*"}}, resourceReq("get", "", "pods", "", "ns", "p"), false},
	}
	for _, c := range cases {
		if got := ruleAllows(c.req, &c.rule); got != c.want {
			t.Errorf("%s: ruleAllows = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAppliesTo(t *testing.T) {
	sa := &user.DefaultInfo{Name: "system:serviceaccount:cronjob:default", Groups: []string{"system:serviceaccounts", "system:authenticated"}}
	cases := []struct {
		name     string
		subjects []rbacv1.Subject
		ns       string
		want     bool
	}{
		{"service account, namespace given", []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "cronjob", Name: "default"}}, "", true},
		{"service account, namespace of the RoleBinding", []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default"}}, "cronjob", true},
		{"service account of another namespace", []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "other", Name: "default"}}, "", false},
		{"service account, no namespace anywhere", []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default"}}, "", false},
		{"group", []rbacv1.Subject{{Kind: "Group", Name: "system:serviceaccounts"}}, "", true},
		{"user by name", []rbacv1.Subject{{Kind: "User", Name: "system:serviceaccount:cronjob:default"}}, "", true},
		{"nobody", []rbacv1.Subject{{Kind: "User", Name: "alice"}, {Kind: "Group", Name: "*"}}, "", false},
	}
	for _, c := range cases {
		if got := appliesTo(sa, c.subjects, c.ns); got != c.want {
			t.Errorf("%s: appliesTo = %v, want %v", c.name, got, c.want)
		}
	}
}
