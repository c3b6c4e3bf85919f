package dashboard

import (
	"context"
	"net/http"
	"time"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/klog/v2"
)

// resources maps the kinds the dashboard shows to their API group and
// resource, the names RBAC rules use.
var resources = map[string][2]string{
	kindCronJobs:     {"batch", "cronjobs"},
	kindJobs:         {"batch", "jobs"},
	kindPods:         {"", "pods"},
	kindDeployments:  {"apps", "deployments"},
	kindStatefulSets: {"apps", "statefulsets"},
	kindNodes:        {"", "nodes"},
	kindEvents:       {"", "events"},
	kindRuns:         {"", "configmaps"},
}

// userOf is the user the API server's authentication filter attached to
// the request. The filters run before the dashboard, so it is always set;
// an empty user (which RBAC grants nothing) guards against a mistake in
// the mounting.
func userOf(r *http.Request) user.Info {
	if u, ok := request.UserFrom(r.Context()); ok {
		return u
	}
	return &user.DefaultInfo{}
}

// accessTTL is how long a decision is reused: a page render asks about
// the same namespaces many times, and a live stream lives for hours, so
// a revoked RoleBinding takes effect on an open stream within this time.
const accessTTL = 30 * time.Second

// access answers, for one user, what the server's authorizer allows,
// remembering its answers for accessTTL. Not safe for concurrent use: one
// request (or one live stream) holds it.
type access struct {
	ctx   context.Context
	authz authorizer.Authorizer
	user  user.Info
	seen  map[string]bool
	since time.Time
}

func (d *Dashboard) access(ctx context.Context, u user.Info) *access {
	return &access{ctx: ctx, authz: d.cfg.Authorizer, user: u, seen: map[string]bool{}, since: time.Now()}
}

// may asks whether the user may verb the kind's resource (or its
// subresource) in namespace ("" is cluster-wide or cluster-scoped).
func (a *access) may(verb, kind, subresource, namespace string) bool {
	if time.Since(a.since) > accessTTL {
		clear(a.seen)
		a.since = time.Now()
	}
	gr := resources[kind]
	attrs := authorizer.AttributesRecord{User: a.user, Verb: verb, APIGroup: gr[0], APIVersion: "*", Resource: gr[1],
		Subresource: subresource, Namespace: namespace, ResourceRequest: true}
	key := verb + "|" + kind + "|" + subresource + "|" + namespace
	if ok, found := a.seen[key]; found {
		return ok
	}
	decision, _, err := a.authz.Authorize(a.ctx, attrs)
	if err != nil {
		klog.FromContext(a.ctx).V(2).Info("Dashboard authorization check failed", "user", a.user.GetName(), "verb", verb, "resource", gr[1], "namespace", namespace, "err", err)
	}
	ok := decision == authorizer.DecisionAllow
	a.seen[key] = ok
	return ok
}

// mayList says whether the user may list kind in namespace: allowed
// cluster-wide, or in that namespace.
func (a *access) mayList(kind, namespace string) bool {
	if a.may("list", kind, "", "") {
		return true
	}
	return namespace != "" && a.may("list", kind, "", namespace)
}
