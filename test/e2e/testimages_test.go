package e2e

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// testImagePods run Kubernetes' e2e test images as the conformance tests
// do: httpd with the StatefulSet tests' readiness probe on /index.html,
// and busybox's sh printing variables whose names are not shell
// identifiers (a ConfigMap's keys under an envFrom prefix).
const testImagePods = `apiVersion: v1
kind: ConfigMap
metadata: {name: env-data}
data: {data-1: value-1}
---
apiVersion: v1
kind: Pod
metadata: {name: httpd}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: webserver
    image: registry.k8s.io/e2e-test-images/httpd:2.4.38-4
    readinessProbe:
      httpGet: {path: /index.html, port: 80}
      periodSeconds: 1
      failureThreshold: 1
---
apiVersion: v1
kind: Pod
metadata: {name: busybox-env}
spec:
  restartPolicy: Never
  containers:
  - name: env
    image: registry.k8s.io/e2e-test-images/busybox:1.37.0-1
    command: [sh, -c, env]
    envFrom:
    - {prefix: p-, configMapRef: {name: env-data}}
    - {prefix: 1-, configMapRef: {name: env-data}}
    - {prefix: $_-, configMapRef: {name: env-data}}
    - {prefix: "#@!", configMapRef: {name: env-data}}
`

// TestE2ETestImages: the httpd image serves /usr/local/apache2/htdocs, so
// moving index.html away fails the readiness probe and moving it back
// passes it (the StatefulSet conformance tests' way of breaking a pod);
// the busybox image's sh keeps p-data-1 in the environment it passes on,
// and envFrom prefixes may start with a digit or a symbol.
func TestE2ETestImages(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(testImagePods, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/httpd", "--timeout=60s")
	resp, err := http.Get("http://" + net.JoinHostPort(podIP(t, cs, "httpd"), "80") + "/index.html")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "It works!") {
		t.Errorf("httpd /index.html: %d %q", resp.StatusCode, body)
	}
	c.Run("exec", "httpd", "--", "mv", "-v", "/usr/local/apache2/htdocs/index.html", "/tmp/")
	c.Run("wait", "--for=condition=Ready=false", "pod/httpd", "--timeout=30s")
	c.Run("exec", "httpd", "--", "mv", "-v", "/tmp/index.html", "/usr/local/apache2/htdocs/")
	c.Run("wait", "--for=condition=Ready", "pod/httpd", "--timeout=30s")

	c.Run("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/busybox-env", "--timeout=60s")
	got := c.Run("logs", "busybox-env")
	for _, want := range []string{"p-data-1=value-1", "1-data-1=value-1", "$_-data-1=value-1", "#@!data-1=value-1"} {
		if !strings.Contains(got, want) {
			t.Errorf("the environment lacks %s (names are any printable ASCII but '=' since Kubernetes 1.34):\n%s", want, got)
		}
	}
}
