package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"
)

// AutoUpdateAnnotation set to "false" on a default role stops the server
// from adding the rules a newer version brings, as in Kubernetes.
const AutoUpdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate"

// Labels Kubernetes puts on its default policy, and the aggregation labels
// that make admin ⊇ edit ⊇ view.
const (
	bootstrapLabel   = "kubernetes.io/bootstrapping"
	autoupdate       = AutoUpdateAnnotation
	aggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin"
	aggregateToEdit  = "rbac.authorization.k8s.io/aggregate-to-edit"
	aggregateToView  = "rbac.authorization.k8s.io/aggregate-to-view"
)

var (
	readVerbs  = []string{"get", "list", "watch"}
	writeVerbs = []string{"create", "delete", "deletecollection", "patch", "update"}
	// discoveryURLs are what every authenticated client reads first.
	discoveryURLs = []string{"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"}
	publicURLs    = []string{"/healthz", "/livez", "/readyz", "/version", "/version/"}
	// issuerDiscoveryURLs are the service-account issuer's OpenID documents.
	// dashboardURLs are ordo's web dashboard: every authenticated user may
	// load it (post: its actions), and it shows and does only what the
	// user's own RBAC allows.
	dashboardURLs       = []string{"/ui", "/ui/*"}
	issuerDiscoveryURLs = []string{"/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"}
)

// Of the kinds ordo serves, what the view, edit and admin roles cover, as
// in Kubernetes' bootstrap policy.
var (
	viewCore = []string{"configmaps", "endpoints", "events", "persistentvolumeclaims", "persistentvolumeclaims/status",
		"pods", "pods/log", "pods/status", "replicationcontrollers", "replicationcontrollers/scale", "replicationcontrollers/status", "serviceaccounts", "services", "services/status", "namespaces", "namespaces/status",
		"limitranges", "resourcequotas", "resourcequotas/status"}
	viewApps        = []string{"controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"}
	viewBatch       = []string{"cronjobs", "cronjobs/status", "jobs", "jobs/status"}
	viewAutoscaling = []string{"horizontalpodautoscalers", "horizontalpodautoscalers/status"}
	viewNetworking  = []string{"ingresses", "ingresses/status", "networkpolicies"}
	editCore        = []string{"configmaps", "endpoints", "persistentvolumeclaims", "pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "replicationcontrollers", "replicationcontrollers/scale", "secrets", "services", "services/proxy", "serviceaccounts"}
)

func rule(groups, resources, verbs []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs}
}

func urlRule(urls []string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{NonResourceURLs: urls, Verbs: verbs}
}

func clusterRole(name string, labels map[string]string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	l := map[string]string{bootstrapLabel: "rbac-defaults"}
	for k, v := range labels {
		l[k] = v
	}
	return &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l, Annotations: map[string]string{autoupdate: "true"}},
		Rules:      rules,
	}
}

// aggregated is a role whose rules are those of the roles labelled label.
func aggregated(name string, labels map[string]string, label string) *rbacv1.ClusterRole {
	cr := clusterRole(name, labels)
	cr.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{label: "true"}}}}
	return cr
}

// BootstrapClusterRoles are the default ClusterRoles of a new cluster.
func BootstrapClusterRoles() []*rbacv1.ClusterRole {
	return []*rbacv1.ClusterRole{
		clusterRole("cluster-admin", nil,
			rule([]string{"*"}, []string{"*"}, []string{"*"}), urlRule([]string{"*"}, "*")),
		clusterRole("system:discovery", nil, urlRule(discoveryURLs, "get")),
		clusterRole("system:public-info-viewer", nil, urlRule(publicURLs, "get")),
		clusterRole("ordo:dashboard", nil, urlRule(dashboardURLs, "get", "post")),
		clusterRole("system:basic-user", nil,
			rule([]string{"authorization.k8s.io"}, []string{"selfsubjectaccessreviews", "selfsubjectrulesreviews"}, []string{"create"}),
			rule([]string{"authentication.k8s.io"}, []string{"selfsubjectreviews"}, []string{"create"})),
		clusterRole("system:service-account-issuer-discovery", nil, urlRule(issuerDiscoveryURLs, "get")),
		// For webhooks and proxies that check who a caller is and what it may do.
		clusterRole("system:auth-delegator", nil,
			rule([]string{"authentication.k8s.io"}, []string{"tokenreviews"}, []string{"create"}),
			rule([]string{"authorization.k8s.io"}, []string{"subjectaccessreviews"}, []string{"create"})),
		aggregated("admin", nil, aggregateToAdmin),
		aggregated("edit", map[string]string{aggregateToAdmin: "true"}, aggregateToEdit),
		aggregated("view", map[string]string{aggregateToEdit: "true"}, aggregateToView),
		clusterRole("system:aggregate-to-view", map[string]string{aggregateToView: "true"},
			rule([]string{""}, viewCore, readVerbs), rule([]string{"apps"}, viewApps, readVerbs),
			rule([]string{"batch"}, viewBatch, readVerbs),
			rule([]string{"discovery.k8s.io"}, []string{"endpointslices"}, readVerbs),
			rule([]string{"policy"}, []string{"poddisruptionbudgets", "poddisruptionbudgets/status"}, readVerbs),
			rule([]string{"autoscaling"}, viewAutoscaling, readVerbs), rule([]string{"networking.k8s.io"}, viewNetworking, readVerbs)),
		clusterRole("system:aggregate-to-edit", map[string]string{aggregateToEdit: "true"},
			rule([]string{""}, editCore, writeVerbs), rule([]string{""}, []string{"secrets"}, readVerbs),
			rule([]string{""}, []string{"serviceaccounts/token"}, []string{"create"}),
			rule([]string{""}, []string{"pods/eviction"}, []string{"create"}),
			rule([]string{"apps"}, viewApps, writeVerbs), rule([]string{"batch"}, viewBatch, writeVerbs),
			rule([]string{"discovery.k8s.io"}, []string{"endpointslices"}, writeVerbs),
			rule([]string{"policy"}, []string{"poddisruptionbudgets"}, writeVerbs),
			rule([]string{"autoscaling"}, []string{"horizontalpodautoscalers"}, writeVerbs),
			rule([]string{"networking.k8s.io"}, []string{"ingresses", "networkpolicies"}, writeVerbs)),
		// Reading resource metrics (kubectl top), as metrics-server's
		// manifest grants it to view, edit and admin.
		clusterRole("system:aggregated-metrics-reader",
			map[string]string{aggregateToView: "true", aggregateToEdit: "true", aggregateToAdmin: "true"},
			rule([]string{"metrics.k8s.io"}, []string{"pods", "nodes"}, readVerbs)),
		clusterRole("system:aggregate-to-admin", map[string]string{aggregateToAdmin: "true"},
			rule([]string{"rbac.authorization.k8s.io"}, []string{"roles", "rolebindings"}, append(append([]string{}, readVerbs...), writeVerbs...)),
			rule([]string{"authorization.k8s.io"}, []string{"localsubjectaccessreviews"}, []string{"create"})),
	}
}

// BootstrapClusterRoleBindings give the default roles to Kubernetes' groups.
func BootstrapClusterRoleBindings() []*rbacv1.ClusterRoleBinding {
	bind := func(role string, groups ...string) *rbacv1.ClusterRoleBinding {
		b := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: role, Labels: map[string]string{bootstrapLabel: "rbac-defaults"}, Annotations: map[string]string{autoupdate: "true"}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		}
		for _, g := range groups {
			b.Subjects = append(b.Subjects, rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: g})
		}
		return b
	}
	return []*rbacv1.ClusterRoleBinding{
		bind("cluster-admin", user.SystemPrivilegedGroup),
		bind("system:discovery", user.AllAuthenticated),
		bind("system:basic-user", user.AllAuthenticated),
		bind("ordo:dashboard", user.AllAuthenticated),
		bind("system:public-info-viewer", user.AllAuthenticated, user.AllUnauthenticated),
		bind("system:service-account-issuer-discovery", serviceaccount.AllServiceAccountsGroup),
	}
}
