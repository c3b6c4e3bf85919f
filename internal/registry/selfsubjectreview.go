package registry

import (
	"context"
	"errors"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
)

// SelfSubjectReviewStorage serves authentication.k8s.io/v1's
// selfsubjectreviews: who the server takes the requester to be (`kubectl
// auth whoami`). The answer is the authenticated user, never stored.
func SelfSubjectReviewStorage() map[string]rest.Storage {
	return map[string]rest.Storage{"selfsubjectreviews": selfSubjectReviewREST{}}
}

type selfSubjectReviewREST struct{}

var (
	_ rest.Creater                  = selfSubjectReviewREST{}
	_ rest.Scoper                   = selfSubjectReviewREST{}
	_ rest.SingularNameProvider     = selfSubjectReviewREST{}
	_ rest.GroupVersionKindProvider = selfSubjectReviewREST{}
)

func (selfSubjectReviewREST) New() runtime.Object     { return &authenticationv1.SelfSubjectReview{} }
func (selfSubjectReviewREST) Destroy()                {}
func (selfSubjectReviewREST) NamespaceScoped() bool   { return false }
func (selfSubjectReviewREST) GetSingularName() string { return "selfsubjectreview" }
func (selfSubjectReviewREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return authenticationv1.SchemeGroupVersion.WithKind("SelfSubjectReview")
}

// Create answers with the requester's name, UID, groups and extra.
func (selfSubjectReviewREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, _ *metav1.CreateOptions) (runtime.Object, error) {
	u, err := validatedRequester(ctx, obj, createValidation)
	if err != nil {
		return nil, err
	}
	review := &authenticationv1.SelfSubjectReview{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.Now()}}
	review.Status.UserInfo = userInfo(u)
	return review, nil
}

// userInfo is an authenticated user as the authentication API shows it.
func userInfo(u user.Info) authenticationv1.UserInfo {
	info := authenticationv1.UserInfo{Username: u.GetName(), UID: u.GetUID(), Groups: u.GetGroups()}
	for k, v := range u.GetExtra() {
		if info.Extra == nil {
			info.Extra = map[string]authenticationv1.ExtraValue{}
		}
		info.Extra[k] = v
	}
	return info
}

// validatedRequester runs the create's admission validation on a copy of
// obj, then returns who asked: the reviews that answer about the requester
// need both.
func validatedRequester(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc) (user.Info, error) {
	if createValidation != nil {
		if err := createValidation(ctx, obj.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	u, ok := request.UserFrom(ctx)
	if !ok {
		return nil, apierrors.NewInternalError(errors.New("no user in the request"))
	}
	return u, nil
}
