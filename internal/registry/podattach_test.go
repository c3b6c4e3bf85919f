package registry

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/request"
)

// TestWebSocketAttachNeedsCreate: a WebSocket attach (a GET) is refused
// to a user allowed only "get" on pods/attach, as Kubernetes does.
func TestWebSocketAttachNeedsCreate(t *testing.T) {
	ctx := request.WithRequestInfo(context.Background(), &request.RequestInfo{
		IsResourceRequest: true, Verb: "get", APIVersion: "v1", Namespace: "default",
		Resource: "pods", Subresource: "attach", Name: "web",
	})
	ctx = request.WithUser(ctx, &user.DefaultInfo{Name: "dev"})
	authz := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetVerb() == "get" {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "not allowed", nil
	})
	r := &attachREST{authz: authz}
	_, err := r.Connect(ctx, "web", &corev1.PodAttachOptions{Stdout: true}, nil)
	if !apierrors.IsForbidden(err) {
		t.Fatalf("error %v, want Forbidden", err)
	}
}

func TestAttachNeedsAStream(t *testing.T) {
	_, err := (&attachREST{}).Connect(context.Background(), "web", &corev1.PodAttachOptions{}, nil)
	if !apierrors.IsBadRequest(err) || err.Error() != "you must specify at least one of stdin, stdout, stderr" {
		t.Fatalf("error %v", err)
	}
}
