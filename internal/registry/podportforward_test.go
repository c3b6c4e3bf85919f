package registry

import (
	"context"
	"net/url"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/request"
)

func TestPortForwardURLIsTheKubeletPathWithThePorts(t *testing.T) {
	base, _ := url.Parse("https://10.0.0.5:10250")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "web-0"}}
	u := portForwardURL(base, pod, &corev1.PodPortForwardOptions{Ports: []int32{8080, 9090}})
	if got, want := u.String(), "https://10.0.0.5:10250/portForward/team-a/web-0?port=8080&port=9090"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if base.Path != "" {
		t.Fatalf("the agent's base URL was changed: %s", base)
	}
}

func TestWebSocketPortForwardAlsoNeedsCreate(t *testing.T) {
	tests := []struct {
		name      string
		verb      string // the request's own verb: GET is "get", POST "create"
		allow     map[string]bool
		wantAsked int
		forbidden bool
	}{
		{"SPDY POST was authorized as create already", "create", nil, 0, false},
		{"WebSocket GET with create allowed", "get", map[string]bool{"get": true, "create": true}, 1, false},
		{"WebSocket GET with only get allowed", "get", map[string]bool{"get": true}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := request.WithRequestInfo(context.Background(), &request.RequestInfo{
				IsResourceRequest: true, Verb: tt.verb, APIVersion: "v1", Namespace: "default",
				Resource: "pods", Subresource: "portforward", Name: "web",
			})
			ctx = request.WithUser(ctx, &user.DefaultInfo{Name: "dev"})
			var asked []string
			authz := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
				asked = append(asked, a.GetVerb())
				if tt.allow[a.GetVerb()] {
					return authorizer.DecisionAllow, "", nil
				}
				return authorizer.DecisionNoOpinion, "not allowed", nil
			})
			err := authorizeCreate(ctx, authz)
			if len(asked) != tt.wantAsked || (tt.wantAsked > 0 && asked[0] != "create") {
				t.Fatalf("authorizer asked %v", asked)
			}
			if apierrors.IsForbidden(err) != tt.forbidden || (!tt.forbidden && err != nil) {
				t.Fatalf("error %v, want forbidden=%v", err, tt.forbidden)
			}
		})
	}
}
