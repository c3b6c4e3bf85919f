package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
		"selfsubjectaccessreviews":  &accessReviewREST{authz: authz, self: true},
		"subjectaccessreviews":      &accessReviewREST{authz: authz},
		"localsubjectaccessreviews": &accessReviewREST{authz: authz, local: true},
	}
	if rules, ok := authz.(authorizer.RuleResolver); ok {
		out["selfsubjectrulesreviews"] = &rulesReviewREST{rules: rules}
	}
	return out
}

type accessReviewREST struct {
	authz authorizer.Authorizer
	// self: the requester asks about themself (SelfSubjectAccessReview);
	// otherwise the spec names the user (SubjectAccessReview, or, when
	// local, LocalSubjectAccessReview: the same within one namespace).
	self, local bool
}

var (
	_ rest.Creater                  = &accessReviewREST{}
	_ rest.Scoper                   = &accessReviewREST{}
	_ rest.SingularNameProvider     = &accessReviewREST{}
	_ rest.GroupVersionKindProvider = &accessReviewREST{}
)

func (r *accessReviewREST) kind() string {
	switch {
	case r.self:
		return "SelfSubjectAccessReview"
	case r.local:
		return "LocalSubjectAccessReview"
	}
	return "SubjectAccessReview"
}

func (r *accessReviewREST) New() runtime.Object {
	switch {
	case r.self:
		return &authorizationv1.SelfSubjectAccessReview{}
	case r.local:
		return &authorizationv1.LocalSubjectAccessReview{}
	}
	return &authorizationv1.SubjectAccessReview{}
}

func (r *accessReviewREST) Destroy()                {}
func (r *accessReviewREST) NamespaceScoped() bool   { return r.local }
func (r *accessReviewREST) GetSingularName() string { return strings.ToLower(r.kind()) }

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
		var err *field.Error
		if who, err = subject(review.Spec); err != nil {
			return nil, r.invalid(err)
		}
		res, nonRes, status = review.Spec.ResourceAttributes, review.Spec.NonResourceAttributes, &review.Status
	case *authorizationv1.LocalSubjectAccessReview:
		// As Kubernetes: the review lives in a namespace and may ask only
		// about that namespace's resources.
		ns, _ := request.NamespaceFrom(ctx)
		s := review.Spec
		if s.NonResourceAttributes != nil {
			return nil, r.invalid(field.Invalid(field.NewPath("spec", "nonResourceAttributes"), "", "disallowed on this kind of request"))
		}
		if s.ResourceAttributes != nil && s.ResourceAttributes.Namespace != ns {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("spec.resourceAttributes.namespace must match namespace: %v", ns))
		}
		var err *field.Error
		if who, err = subject(s); err != nil {
			return nil, r.invalid(err)
		}
		res, nonRes, status = s.ResourceAttributes, s.NonResourceAttributes, &review.Status
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not an access review: %T", obj))
	}
	return r.answer(ctx, obj, who, res, nonRes, status)
}

// subject is the user a SubjectAccessReview names.
func subject(s authorizationv1.SubjectAccessReviewSpec) (user.Info, *field.Error) {
	if s.User == "" && len(s.Groups) == 0 {
		return nil, field.Required(field.NewPath("spec", "user"), "at least one of user or group must be specified")
	}
	return &user.DefaultInfo{Name: s.User, UID: s.UID, Groups: s.Groups, Extra: extra(s.Extra)}, nil
}

// answer asks the authorizer and writes its decision into status.
func (r *accessReviewREST) answer(ctx context.Context, obj runtime.Object, who user.Info, res *authorizationv1.ResourceAttributes,
	nonRes *authorizationv1.NonResourceAttributes, status *authorizationv1.SubjectAccessReviewStatus) (runtime.Object, error) {
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
