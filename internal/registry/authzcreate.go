package registry

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/filters"
	"k8s.io/apiserver/pkg/endpoints/request"
)

// authorizeCreate requires the "create" verb for a streaming subresource
// reached with GET, as Kubernetes does since 1.35. SPDY clients POST, which
// authorizes as "create"; WebSocket clients must GET, which authorizes as
// "get", so without this a policy granting only "get" on pods/portforward
// would have gained port forwarding when kubectl moved to WebSockets
// (kubernetes issue 133515).
func authorizeCreate(ctx context.Context, authz authorizer.Authorizer) error {
	info, ok := request.RequestInfoFrom(ctx)
	if !ok {
		return apierrors.NewInternalError(errors.New("no request info in context"))
	}
	if info.Verb == "create" {
		return nil // the request filter already asked
	}
	if authz == nil {
		return apierrors.NewInternalError(errors.New("no authorizer available"))
	}
	attrs, err := filters.GetAuthorizerAttributes(ctx)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("error building authorizer attributes: %w", err))
	}
	decision, reason, err := authz.Authorize(ctx, createVerb{attrs})
	if err != nil {
		return err
	}
	if decision != authorizer.DecisionAllow {
		gr := schema.GroupResource{Group: info.APIGroup, Resource: info.Resource}
		return apierrors.NewForbidden(gr, info.Name, errors.New(reason))
	}
	return nil
}

// createVerb is a request's authorization attributes asking for "create".
type createVerb struct{ authorizer.Attributes }

func (createVerb) GetVerb() string { return "create" }
