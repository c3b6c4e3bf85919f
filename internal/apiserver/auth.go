package apiserver

import (
	"context"
	"crypto/subtle"
	"net/http"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/group"
	"k8s.io/apiserver/pkg/authentication/request/bearertoken"
	"k8s.io/apiserver/pkg/authentication/request/union"
	"k8s.io/apiserver/pkg/authentication/request/x509"
	tokenunion "k8s.io/apiserver/pkg/authentication/token/union"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/ordo-dev/ordo/internal/rbac"
)

// publicPaths answer anonymous requests, as Kubernetes' system:public-info-viewer
// role allows: health checks and the version.
var publicPaths = map[string]bool{
	"/healthz": true, "/livez": true, "/readyz": true, "/version": true,
}

// newAuthenticator accepts client certificates signed by the cluster CA
// (CN is the user, O the groups), and as bearer tokens the agents' join
// token and service-account JWTs (when saTokens is set). A request with no
// valid credentials is anonymous only for publicPaths; everywhere else it
// gets 401.
func newAuthenticator(verify x509.VerifyOptionFunc, tokens authenticator.Token) authenticator.Request {
	certs := x509.NewDynamic(verify, x509.CommonNameUserConversion)
	// Every authenticated user is in system:authenticated, as
	// kube-apiserver adds it (client certificates carry only their O
	// groups: without it, a user issued through a CSR could not even ask
	// who they are).
	inner := group.NewAuthenticatedGroupAdder(union.New(certs, bearertoken.New(tokens)))
	return authenticator.RequestFunc(func(req *http.Request) (*authenticator.Response, bool, error) {
		resp, ok, err := inner.AuthenticateRequest(req)
		if ok || !publicPaths[req.URL.Path] {
			return resp, ok, err
		}
		return &authenticator.Response{User: &user.DefaultInfo{
			Name:   user.Anonymous,
			Groups: []string{user.AllUnauthenticated},
		}}, true, nil
	})
}

// bearerTokens are the API's token authenticators: the agents' join
// token (audience-agnostic: it is good for the API's own audiences) and,
// when saTokens is set, service-account JWTs. TokenReviews use the same.
func bearerTokens(nodeToken string, saTokens authenticator.Token, apiAudiences authenticator.Audiences) authenticator.Token {
	tokens := []authenticator.Token{authenticator.WrapAudienceAgnosticToken(apiAudiences, nodeTokenAuthenticator(nodeToken))}
	if saTokens != nil {
		tokens = append(tokens, saTokens)
	}
	return tokenunion.New(tokens...)
}

// nodeGroup is the group agents that joined with the node token are in.
const nodeGroup = "system:nodes"

// nodeTokenAuthenticator accepts the join token of `ordo agent --token` as
// the agents' identity, as kubelets' bootstrap tokens are in Kubernetes.
func nodeTokenAuthenticator(token string) authenticator.Token {
	return authenticator.TokenFunc(func(_ context.Context, got string) (*authenticator.Response, bool, error) {
		if token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			return nil, false, nil
		}
		return &authenticator.Response{User: &user.DefaultInfo{
			Name: "system:ordo-agent", Groups: []string{nodeGroup, user.AllAuthenticated},
		}}, true, nil
	})
}

// ordoAuthorizer allows everything to members of system:masters (the admin
// kubeconfig's certificate and the server's own loopback client) and to
// agents, and the public paths to anyone; everyone else gets what RBAC
// grants them (see package rbac).
type ordoAuthorizer struct{ rbac *rbac.Authorizer }

func (z ordoAuthorizer) Authorize(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if u := a.GetUser(); u != nil && outsideRBAC(u) {
		return authorizer.DecisionAllow, "", nil
	}
	if !a.IsResourceRequest() && publicPaths[a.GetPath()] && a.GetVerb() == "get" {
		return authorizer.DecisionAllow, "", nil
	}
	return z.rbac.Authorize(ctx, a)
}

// RulesFor is what SelfSubjectRulesReview lists: everything for admins and
// agents (whom ordo allows outside RBAC), RBAC's grants for the rest.
func (z ordoAuthorizer) RulesFor(ctx context.Context, u user.Info, ns string) ([]authorizer.ResourceRuleInfo, []authorizer.NonResourceRuleInfo, bool, error) {
	if outsideRBAC(u) {
		return []authorizer.ResourceRuleInfo{&authorizer.DefaultResourceRuleInfo{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}},
			[]authorizer.NonResourceRuleInfo{&authorizer.DefaultNonResourceRuleInfo{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}}, false, nil
	}
	return z.rbac.RulesFor(ctx, u, ns)
}

// outsideRBAC: system:masters, and agents, which may do what an agent
// does (a NodeRestriction-style narrowing to their own Node and pods is
// still to come).
func outsideRBAC(u user.Info) bool {
	for _, g := range u.GetGroups() {
		if g == user.SystemPrivilegedGroup || g == nodeGroup {
			return true
		}
	}
	return false
}

// ConditionsAwareAuthorize gives the same answer as Authorize: ordo's
// authorizer has no conditional decisions.
func (z ordoAuthorizer) ConditionsAwareAuthorize(ctx context.Context, a authorizer.Attributes) authorizer.ConditionsAwareDecision {
	return authorizer.ConditionsAwareDecisionFromParts(z.Authorize(ctx, a))
}

// EvaluateConditions fails closed: there are never conditions to evaluate.
func (ordoAuthorizer) EvaluateConditions(context.Context, authorizer.ConditionsAwareDecision, authorizer.ConditionsData) (authorizer.Decision, string, error) {
	return authorizer.DecisionDeny, "", authorizer.ErrorConditionEvaluationNotSupported
}
