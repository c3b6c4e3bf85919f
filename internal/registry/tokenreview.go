package registry

import (
	"context"
	"net/http"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/registry/rest"
)

// TokenReviewStorage serves authentication.k8s.io/v1's tokenreviews: a
// webhook, a proxy or a test asks whether a bearer token is valid and
// whose it is. tokens are the API server's bearer-token authenticators;
// apiAudiences are what a review naming no audiences checks against, as
// a request to the API would be. The answer is never stored.
func TokenReviewStorage(tokens authenticator.Token, apiAudiences []string) map[string]rest.Storage {
	return map[string]rest.Storage{"tokenreviews": tokenReviewREST{tokens: tokens, apiAudiences: apiAudiences}}
}

type tokenReviewREST struct {
	tokens       authenticator.Token
	apiAudiences authenticator.Audiences
}

var (
	_ rest.Creater                  = tokenReviewREST{}
	_ rest.Scoper                   = tokenReviewREST{}
	_ rest.SingularNameProvider     = tokenReviewREST{}
	_ rest.GroupVersionKindProvider = tokenReviewREST{}
)

func (tokenReviewREST) New() runtime.Object     { return &authenticationv1.TokenReview{} }
func (tokenReviewREST) Destroy()                {}
func (tokenReviewREST) NamespaceScoped() bool   { return false }
func (tokenReviewREST) GetSingularName() string { return "tokenreview" }
func (tokenReviewREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return authenticationv1.SchemeGroupVersion.WithKind("TokenReview")
}

// Create authenticates spec.token for spec.audiences (the API server's
// when empty) and answers in status, with kube-apiserver's wording: a
// token that fails is authenticated: false with the reason in
// status.error, not an error of the request.
func (r tokenReviewREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, _ *metav1.CreateOptions) (runtime.Object, error) {
	review, ok := obj.(*authenticationv1.TokenReview)
	if !ok {
		return nil, apierrors.NewBadRequest("not a TokenReview")
	}
	if review.Spec.Token == "" {
		return nil, apierrors.NewBadRequest("token is required for TokenReview in authentication")
	}
	if createValidation != nil {
		if err := createValidation(ctx, obj.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	auds := authenticator.Audiences(review.Spec.Audiences)
	if len(auds) == 0 {
		auds = r.apiAudiences
	}
	out := review.DeepCopy()
	out.Status = r.review(authenticator.WithAudiences(ctx, auds), review.Spec.Token, auds)
	return out, nil
}

func (r tokenReviewREST) review(ctx context.Context, token string, auds authenticator.Audiences) authenticationv1.TokenReviewStatus {
	var status authenticationv1.TokenReviewStatus
	if r.tokens == nil {
		status.Error = "no token authenticator is configured"
		return status
	}
	resp, ok, err := r.tokens.AuthenticateToken(ctx, token)
	switch {
	case err != nil:
		status.Error = err.Error()
		return status
	case !ok:
		status.Error = http.StatusText(http.StatusUnauthorized)
		return status
	case len(auds) > 0 && len(resp.Audiences) == 0:
		status.Error = "token audiences are invalid for the target audiences"
		return status
	}
	status.Authenticated = true
	status.Audiences = resp.Audiences
	status.User = userInfo(resp.User)
	return status
}
