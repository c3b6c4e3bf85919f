package apiserver

import (
	"context"
	"crypto/subtle"
	"net/http"
	"slices"
	"time"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/group"
	"k8s.io/apiserver/pkg/authentication/request/bearertoken"
	"k8s.io/apiserver/pkg/authentication/request/union"
	"k8s.io/apiserver/pkg/authentication/request/x509"
	tokenunion "k8s.io/apiserver/pkg/authentication/token/union"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/ordo-dev/ordo/internal/nodeauthz"
	"github.com/ordo-dev/ordo/internal/rbac"
)

// publicPaths answer anonymous requests, as Kubernetes' system:public-info-viewer
// role allows: health checks and the version.
var publicPaths = map[string]bool{
	"/healthz": true, "/livez": true, "/readyz": true, "/version": true,
}

// newAuthenticator accepts client certificates signed by the cluster CA
// (CN is the user, O the groups: nodes' certificates are system:node:NAME
// in system:nodes), and as bearer tokens the join tokens and
// service-account JWTs (when saTokens is set). A request with no
// valid credentials is anonymous only for publicPaths; everywhere else it
// gets 401.
func newAuthenticator(verify x509.VerifyOptionFunc, tokens authenticator.Token, configMaps corelisters.ConfigMapLister) authenticator.Request {
	certs := nodeauthz.RefuseRevoked(x509.NewDynamic(verify, x509.CommonNameUserConversion), configMaps)
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

// bearerTokens are the API's token authenticators: the join tokens and
// bootstrap tokens (audience-agnostic: they are good for the API's own audiences) and,
// when saTokens is set, service-account JWTs. TokenReviews use the same.
func bearerTokens(join joinTokens, saTokens authenticator.Token, apiAudiences authenticator.Audiences) authenticator.Token {
	tokens := []authenticator.Token{authenticator.WrapAudienceAgnosticToken(apiAudiences, join.authenticator()),
		authenticator.WrapAudienceAgnosticToken(apiAudiences, nodeauthz.BootstrapTokens(join.secrets, time.Now))}
	if saTokens != nil {
		tokens = append(tokens, saTokens)
	}
	return tokenunion.New(tokens...)
}

// ServerJoinGroup is the server join token's group: the one identity,
// besides system:masters, that may fetch the cluster's keys (JoinPath).
const ServerJoinGroup = "ordo:server-join"

// JoinPath is where a server hands a joining one the cluster's shared
// files (package server serves it).
const JoinPath = "/ordo/v1/join"

// mayJoin: a GET of JoinPath by the server join token.
func mayJoin(a authorizer.Attributes) bool {
	if a.IsResourceRequest() || a.GetPath() != JoinPath || a.GetVerb() != "get" || a.GetUser() == nil {
		return false
	}
	return slices.Contains(a.GetUser().GetGroups(), ServerJoinGroup)
}

// joinTokens are the cluster's static join tokens (k3s's --token and
// --agent-token): both authenticate as bootstrappers, which may only ask
// for a node client certificate (package nodeauthz); the server token is
// also in ServerJoinGroup, so servers join with it.
type joinTokens struct {
	server, agent string
	// secrets hold the bootstrap tokens (`ordo token create`).
	secrets corelisters.SecretLister
}

func (j joinTokens) authenticator() authenticator.Token {
	return authenticator.TokenFunc(func(_ context.Context, got string) (*authenticator.Response, bool, error) {
		switch {
		case matches(got, j.server):
			return &authenticator.Response{User: &user.DefaultInfo{Name: nodeauthz.BootstrapUserPrefix + "server-token",
				Groups: []string{nodeauthz.BootstrappersGroup, ServerJoinGroup, user.AllAuthenticated}}}, true, nil
		case matches(got, j.agent):
			return &authenticator.Response{User: &user.DefaultInfo{Name: nodeauthz.BootstrapUserPrefix + "agent-token",
				Groups: []string{nodeauthz.BootstrappersGroup, user.AllAuthenticated}}}, true, nil
		}
		return nil, false, nil
	})
}

func matches(got, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// ordoAuthorizer allows everything to members of system:masters (the admin
// kubeconfig's certificate and the server's own loopback client) and the
// public paths to anyone; nodes and bootstrappers get what the node
// authorizer grants; everyone (them included) gets what RBAC grants (see
// package rbac), as kube-apiserver's --authorization-mode=Node,RBAC.
type ordoAuthorizer struct {
	rbac  *rbac.Authorizer
	nodes *nodeauthz.Authorizer
}

func (z ordoAuthorizer) Authorize(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if u := a.GetUser(); u != nil && outsideRBAC(u) {
		return authorizer.DecisionAllow, "", nil
	}
	if !a.IsResourceRequest() && publicPaths[a.GetPath()] && a.GetVerb() == "get" || mayJoin(a) {
		return authorizer.DecisionAllow, "", nil
	}
	d, nodeReason, err := z.nodes.Authorize(ctx, a)
	if d == authorizer.DecisionAllow || err != nil {
		return d, nodeReason, err
	}
	d, reason, err := z.rbac.Authorize(ctx, a)
	if d != authorizer.DecisionAllow && nodeReason != "" {
		reason = nodeReason
	}
	return d, reason, err
}

// RulesFor is what SelfSubjectRulesReview lists: everything for admins
// (whom ordo allows outside RBAC), RBAC's grants for the rest.
func (z ordoAuthorizer) RulesFor(ctx context.Context, u user.Info, ns string) ([]authorizer.ResourceRuleInfo, []authorizer.NonResourceRuleInfo, bool, error) {
	if outsideRBAC(u) {
		return []authorizer.ResourceRuleInfo{&authorizer.DefaultResourceRuleInfo{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}},
			[]authorizer.NonResourceRuleInfo{&authorizer.DefaultNonResourceRuleInfo{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}}, false, nil
	}
	return z.rbac.RulesFor(ctx, u, ns)
}

// outsideRBAC: system:masters.
func outsideRBAC(u user.Info) bool {
	for _, g := range u.GetGroups() {
		if g == user.SystemPrivilegedGroup {
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
