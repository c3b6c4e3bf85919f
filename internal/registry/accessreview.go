package registry

import (
	"context"
	"errors"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
)

// AccessReviewStorage serves authorization.k8s.io/v1's
// selfsubjectaccessreviews (what `kubectl auth can-i` asks: may I?),
// subjectaccessreviews (may this user?) and, when the authorizer can list
// rules, selfsubjectrulesreviews (`kubectl auth can-i --list`). They ask
// the server's own authorizer and are never stored.
func AccessReviewStorage(authz authorizer.Authorizer) map[string]rest.Storage {
	out := map[string]rest.Storage{
		"selfsubjectaccessreviews": &accessReviewREST{authz: authz, self: true},
		"subjectaccessreviews":     &accessReviewREST{authz: authz},
	}
	if rules, ok := authz.(authorizer.RuleResolver); ok {
		out["selfsubjectrulesreviews"] = &rulesReviewREST{rules: rules}
	}
	return out
}

type accessReviewREST struct {
	authz authorizer.Authorizer
	// self: the requester asks about themself (SelfSubjectAccessReview);
	// otherwise the spec names the user (SubjectAccessReview).
	self bool
}

var (
	_ rest.Creater                  = &accessReviewREST{}
	_ rest.Scoper                   = &accessReviewREST{}
	_ rest.SingularNameProvider     = &accessReviewREST{}
	_ rest.GroupVersionKindProvider = &accessReviewREST{}
)

func (r *accessReviewREST) kind() string {
	if r.self {
		return "SelfSubjectAccessReview"
	}
	return "SubjectAccessReview"
}

func (r *accessReviewREST) New() runtime.Object {
	if r.self {
		return &authorizationv1.SelfSubjectAccessReview{}
	}
	return &authorizationv1.SubjectAccessReview{}
}

func (r *accessReviewREST) Destroy()              {}
func (r *accessReviewREST) NamespaceScoped() bool { return false }
func (r *accessReviewREST) GetSingularName() string {
	if r.self {
		return "selfsubjectaccessreview"
	}
	return "subjectaccessreview"
}

func (r *accessReviewREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return authorizationv1.SchemeGroupVersion.WithKind(r.kind())
}

// Create answers the review in its status.
func (r *accessReviewREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, _ *metav1.CreateOptions) (runtime.Object, error) {
	if createValidation != nil {
		if err := createValidation(ctx, obj.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	var who user.Info
	var res *authorizationv1.ResourceAttributes
	var nonRes *authorizationv1.NonResourceAttributes
	var status *authorizationv1.SubjectAccessReviewStatus
	switch review := obj.(type) {
	case *authorizationv1.SelfSubjectAccessReview:
		u, ok := request.UserFrom(ctx)
		if !ok {
			return nil, apierrors.NewInternalError(errors.New("no user in the request"))
		}
		who, res, nonRes, status = u, review.Spec.ResourceAttributes, review.Spec.NonResourceAttributes, &review.Status
	case *authorizationv1.SubjectAccessReview:
		s := review.Spec
		if s.User == "" && len(s.Groups) == 0 {
			return nil, r.invalid(field.Required(field.NewPath("spec", "user"), "at least one of user or group must be specified"))
		}
		who = &user.DefaultInfo{Name: s.User, UID: s.UID, Groups: s.Groups, Extra: extra(s.Extra)}
		res, nonRes, status = s.ResourceAttributes, s.NonResourceAttributes, &review.Status
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not an access review: %T", obj))
	}
	if (res == nil) == (nonRes == nil) {
		return nil, r.invalid(field.Invalid(field.NewPath("spec"), "", "exactly one of nonResourceAttributes or resourceAttributes must be specified"))
	}
	decision, reason, err := r.authz.Authorize(ctx, reviewAttributes(who, res, nonRes))
	*status = authorizationv1.SubjectAccessReviewStatus{
		Allowed: decision == authorizer.DecisionAllow,
		Denied:  decision == authorizer.DecisionDeny,
		Reason:  reason,
	}
	if err != nil {
		status.EvaluationError = err.Error()
	}
	return obj, nil
}

func (r *accessReviewREST) invalid(err *field.Error) error {
	return apierrors.NewInvalid(authorizationv1.SchemeGroupVersion.WithKind(r.kind()).GroupKind(), "", field.ErrorList{err})
}

// reviewAttributes is the request a review asks about.
func reviewAttributes(u user.Info, res *authorizationv1.ResourceAttributes, nonRes *authorizationv1.NonResourceAttributes) authorizer.AttributesRecord {
	if nonRes != nil {
		return authorizer.AttributesRecord{User: u, Verb: nonRes.Verb, Path: nonRes.Path}
	}
	return authorizer.AttributesRecord{
		User: u, Verb: res.Verb, Namespace: res.Namespace, APIGroup: res.Group, APIVersion: res.Version,
		Resource: res.Resource, Subresource: res.Subresource, Name: res.Name, ResourceRequest: true,
	}
}

func extra(in map[string]authorizationv1.ExtraValue) map[string][]string {
	out := make(map[string][]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
