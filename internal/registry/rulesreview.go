package registry

import (
	"context"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/rest"
)

// rulesReviewREST serves selfsubjectrulesreviews: what may I do in this
// namespace (`kubectl auth can-i --list`)? Never stored.
type rulesReviewREST struct{ rules authorizer.RuleResolver }

var (
	_ rest.Creater                  = &rulesReviewREST{}
	_ rest.Scoper                   = &rulesReviewREST{}
	_ rest.SingularNameProvider     = &rulesReviewREST{}
	_ rest.GroupVersionKindProvider = &rulesReviewREST{}
)

func (r *rulesReviewREST) New() runtime.Object     { return &authorizationv1.SelfSubjectRulesReview{} }
func (r *rulesReviewREST) Destroy()                {}
func (r *rulesReviewREST) NamespaceScoped() bool   { return false }
func (r *rulesReviewREST) GetSingularName() string { return "selfsubjectrulesreview" }
func (r *rulesReviewREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return authorizationv1.SchemeGroupVersion.WithKind("SelfSubjectRulesReview")
}

// Create lists the requester's rules in spec.namespace.
func (r *rulesReviewREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, _ *metav1.CreateOptions) (runtime.Object, error) {
	review, ok := obj.(*authorizationv1.SelfSubjectRulesReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SelfSubjectRulesReview: %T", obj))
	}
	u, err := validatedRequester(ctx, obj, createValidation)
	if err != nil {
		return nil, err
	}
	res, nonRes, incomplete, err := r.rules.RulesFor(ctx, u, review.Spec.Namespace)
	review.Status = authorizationv1.SubjectRulesReviewStatus{Incomplete: incomplete}
	if err != nil {
		review.Status.EvaluationError = err.Error()
	}
	for _, i := range res {
		review.Status.ResourceRules = append(review.Status.ResourceRules, authorizationv1.ResourceRule{
			Verbs: i.GetVerbs(), APIGroups: i.GetAPIGroups(), Resources: i.GetResources(), ResourceNames: i.GetResourceNames()})
	}
	for _, i := range nonRes {
		review.Status.NonResourceRules = append(review.Status.NonResourceRules, authorizationv1.NonResourceRule{
			Verbs: i.GetVerbs(), NonResourceURLs: i.GetNonResourceURLs()})
	}
	return review, nil
}
