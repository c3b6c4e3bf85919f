package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const stickyServices = `apiVersion: v1
kind: Service
metadata: {name: np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: sticky}
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  ports: [{name: http, port: 80, targetPort: http}]
`

// fetchFresh GETs url on a new connection each time, so each request is
// balanced on its own.
func fetchFresh(url string) (string, error) {
	client := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(body)), err
}

// TestNodePortAndSessionAffinity: a NodePort Service answers on the
// node-port address (127.0.0.1 in tests, --nodeport-addresses) and is
// balanced over both backends; a ClientIP-affinity Service sends one
// client to the same backend every time.
// Not parallel: creates a NodePort Service (NodePorts are opened on 127.0.0.1 from one machine-wide range).
func TestNodePortAndSessionAffinity(t *testing.T) {
	c, _, _ := startWithAgent(t)
	c.RunIn(backendPod("web-a", "app: web")+"---\n"+backendPod("web-b", "app: web")+"---\n"+stickyServices, "apply", "-f", "-")
	waitReady(t, c, "web-a", "web-b")
	nodePort := c.Run("get", "svc", "np", "-o", "jsonpath={.spec.ports[0].nodePort}")
	seen := map[string]bool{}
	waitFor(t, func() bool {
		body, err := fetchFresh("http://127.0.0.1:" + nodePort + "/")
		seen[body] = err == nil
		return seen["hello from web-a"] && seen["hello from web-b"]
	}, "the node port reaches both backends")

	stickyIP := c.Run("get", "svc", "sticky", "-o", "jsonpath={.spec.clusterIP}")
	var first string
	waitFor(t, func() bool {
		b, err := fetchFresh("http://" + stickyIP + "/")
		first = b
		return err == nil && strings.HasPrefix(b, "hello")
	}, "the sticky Service answers")
	for range 10 {
		if got, err := fetchFresh("http://" + stickyIP + "/"); err != nil || got != first {
			t.Fatalf("ClientIP affinity: %q (%v) after %q", got, err, first)
		}
	}
}
