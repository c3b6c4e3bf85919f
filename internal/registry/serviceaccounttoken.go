package registry

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
)

// TokenRequester answers a TokenRequest for a ServiceAccount (package
// serviceaccount): defaults, validation, binding and signing.
type TokenRequester interface {
	Request(ctx context.Context, sa *corev1.ServiceAccount, req *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error)
}

// tokenREST serves serviceaccounts/token: a create that takes and returns an
// authentication.k8s.io/v1 TokenRequest, as in Kubernetes. Nothing is
// stored; the token is signed on the spot.
type tokenREST struct {
	store  *genericregistry.Store // the ServiceAccounts
	tokens TokenRequester
}

var (
	_ rest.NamedCreater             = &tokenREST{}
	_ rest.GroupVersionKindProvider = &tokenREST{}
)

func (r *tokenREST) New() runtime.Object { return &authenticationv1.TokenRequest{} }
func (r *tokenREST) Destroy()            {}

func (r *tokenREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return authenticationv1.SchemeGroupVersion.WithKind("TokenRequest")
}

func (r *tokenREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, _ *metav1.CreateOptions) (runtime.Object, error) {
	req, ok := obj.(*authenticationv1.TokenRequest)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a TokenRequest: %T", obj))
	}
	if r.tokens == nil {
		return nil, apierrors.NewServiceUnavailable("this server issues no service account tokens")
	}
	if createValidation != nil {
		if err := createValidation(ctx, req.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	got, err := r.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return r.tokens.Request(ctx, got.(*corev1.ServiceAccount), req)
}
