package registry

import (
	"context"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/request"
)

// onlyAlicePatches allows exactly one user one verb.
type onlyAlicePatches struct{ authorizer.Authorizer }

func (onlyAlicePatches) Authorize(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if a.GetUser().GetName() == "alice" && a.GetVerb() == "patch" && a.GetResource() == "deployments" && a.GetAPIGroup() == "apps" {
		return authorizer.DecisionAllow, "granted", nil
	}
	return authorizer.DecisionNoOpinion, "", nil
}

func TestAccessReviewsAskTheAuthorizer(t *testing.T) {
	storage := AccessReviewStorage(onlyAlicePatches{})
	self := storage["selfsubjectaccessreviews"].(*accessReviewREST)
	other := storage["subjectaccessreviews"].(*accessReviewREST)
	ctx := request.WithUser(context.Background(), &user.DefaultInfo{Name: "alice"})
	patch := &authorizationv1.ResourceAttributes{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: "default"}

	got, err := self.Create(ctx, &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: patch}}, nil, nil)
	if err != nil || !got.(*authorizationv1.SelfSubjectAccessReview).Status.Allowed {
		t.Fatalf("alice asking for herself: %+v, %v", got, err)
	}
	got, err = other.Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: "bob", ResourceAttributes: patch}}, nil, nil)
	if err != nil || got.(*authorizationv1.SubjectAccessReview).Status.Allowed {
		t.Fatalf("alice asking about bob: %+v, %v", got, err)
	}
	for name, review := range map[string]*authorizationv1.SubjectAccessReview{
		"no user or group":  {Spec: authorizationv1.SubjectAccessReviewSpec{ResourceAttributes: patch}},
		"both attributes":   {Spec: authorizationv1.SubjectAccessReviewSpec{User: "bob", ResourceAttributes: patch, NonResourceAttributes: &authorizationv1.NonResourceAttributes{Verb: "get", Path: "/"}}},
		"neither attribute": {Spec: authorizationv1.SubjectAccessReviewSpec{User: "bob"}},
	} {
		if _, err := other.Create(ctx, review, nil, nil); !apierrors.IsInvalid(err) {
			t.Errorf("%s: %v, want 422 Invalid", name, err)
		}
	}
}

func TestLocalSubjectAccessReviewStaysInItsNamespace(t *testing.T) {
	local := AccessReviewStorage(onlyAlicePatches{})["localsubjectaccessreviews"].(*accessReviewREST)
	ctx := request.WithNamespace(request.WithUser(context.Background(), &user.DefaultInfo{Name: "admin"}), "team")
	ask := func(ns string) (runtime.Object, error) {
		return local.Create(ctx, &authorizationv1.LocalSubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: "alice", ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: ns}}}, nil, nil)
	}
	got, err := ask("team")
	if err != nil || !got.(*authorizationv1.LocalSubjectAccessReview).Status.Allowed {
		t.Fatalf("in its namespace: %+v, %v", got, err)
	}
	if _, err := ask("other"); !apierrors.IsBadRequest(err) {
		t.Errorf("about another namespace: %v, want 400", err)
	}
	if !local.NamespaceScoped() || local.GetSingularName() != "localsubjectaccessreview" {
		t.Error("LocalSubjectAccessReview is namespaced, singular localsubjectaccessreview")
	}
}
