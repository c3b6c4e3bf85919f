package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// proxyPods are a web server and its Service, reached through the API
// server's pods/proxy and services/proxy, as Kubernetes' DNS and proxy
// conformance tests and `kubectl proxy` users reach pods.
const proxyPods = `apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: nginx
    ports: [{containerPort: 80, name: http}]
    readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
`

// TestPodAndServiceProxy: pods/proxy reaches the pod's first container
// port or the one named, with the path and query passed on;
// services/proxy reaches a ready endpoint of the Service port named by
// name or number; a port the Service lacks is a 503 naming it.
func TestPodAndServiceProxy(t *testing.T) {
	t.Parallel()
	c, _, _ := startWithAgent(t)
	c.RunIn(proxyPods, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/web", "--timeout=60s")
	for _, path := range []string{
		"/api/v1/namespaces/default/pods/web/proxy/",
		"/api/v1/namespaces/default/pods/web:80/proxy/?x=1",
		"/api/v1/namespaces/default/pods/http:web:80/proxy/",
		"/api/v1/namespaces/default/services/web/proxy/",
		"/api/v1/namespaces/default/services/web:http/proxy/",
		"/api/v1/namespaces/default/services/http:web:8080/proxy/",
	} {
		waitFor(t, func() bool {
			out, _, err := c.Kubectl(context.Background(), "", "get", "--raw", path)
			return err == nil && strings.Contains(out, "Welcome to nginx")
		}, path+" serves nginx's page")
	}
	if out := c.Fail("", "get", "--raw", "/api/v1/namespaces/default/pods/web:80/proxy/no-such-page"); !strings.Contains(out, "NotFound") && !strings.Contains(out, "404") {
		t.Errorf("a missing page through the pod proxy: %s", out)
	}
	if out := c.Fail("", "get", "--raw", "/api/v1/namespaces/default/services/web:9999/proxy/"); !strings.Contains(out, `no service port "9999" found for service "web"`) {
		t.Errorf("an unknown service port: %s", out)
	}
	checkProxyRootRedirect(t, c)
}

// checkProxyRootRedirect: without a path after /proxy, GET and HEAD get a
// 301 to the URL with '/' (kube-apiserver's answer), other methods pass.
func checkProxyRootRedirect(t *testing.T, c *testcluster.T) {
	cfg, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, base := range []string{"/api/v1/namespaces/default/pods/web/proxy", "/api/v1/namespaces/default/services/web/proxy"} {
		for method, want := range map[string]int{http.MethodGet: 301, http.MethodHead: 301, http.MethodPost: 405} {
			req, _ := http.NewRequest(method, cfg.Host+base+"?q=1", nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want || (want == 301 && resp.Header.Get("Location") != base+"/?q=1") {
				t.Errorf("%s %s: %d, Location %q; want %d", method, base, resp.StatusCode, resp.Header.Get("Location"), want)
			}
		}
	}
}
