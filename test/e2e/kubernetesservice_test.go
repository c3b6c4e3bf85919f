package e2e

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

const printsAPIHost = `apiVersion: v1
kind: Pod
metadata: {name: api-host}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo "host=$KUBERNETES_SERVICE_HOST port=$KUBERNETES_SERVICE_PORT"']
`

// TestKubernetesServiceIsRecreated: after `kubectl delete all --all -A`
// and a delete of its Endpoints and EndpointSlice, the API server brings
// the "kubernetes" Service back on the same ClusterIP (the one its serving
// certificate names), with its Endpoints and EndpointSlice, and a new pod
// gets KUBERNETES_SERVICE_HOST again (issue 24, item 5).
func TestKubernetesServiceIsRecreated(t *testing.T) {
	t.Parallel()
	c, cs, _ := startOwnNode(t)
	clusterIP := c.Run("get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}")
	if clusterIP == "" {
		t.Fatal("the kubernetes Service has no ClusterIP")
	}
	c.Run("delete", "all", "--all", "-A")
	c.Run("delete", "endpoints", "kubernetes", "--ignore-not-found")
	c.Run("delete", "endpointslice", "kubernetes", "--ignore-not-found")

	for _, kind := range []string{"service", "endpoints", "endpointslice"} {
		waitFor(t, func() bool {
			_, _, err := c.Kubectl(t.Context(), "", "get", kind, "kubernetes")
			return err == nil
		}, "the kubernetes "+kind+" comes back")
	}
	if got := c.Run("get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}"); got != clusterIP {
		t.Errorf("recreated kubernetes Service has ClusterIP %q, want %q", got, clusterIP)
	}
	if got := c.Run("get", "endpoints", "kubernetes", "-o", "jsonpath={.subsets[0].addresses[0].ip}"); got == "" {
		t.Error("recreated kubernetes Endpoints have no address")
	}
	if got := c.Run("get", "endpointslice", "kubernetes", "-o", "jsonpath={.endpoints[0].addresses[0]}"); got == "" {
		t.Error("recreated kubernetes EndpointSlice has no address")
	}

	c.RunIn(printsAPIHost, "apply", "-f", "-")
	waitPhase(t, cs, "api-host", corev1.PodSucceeded)
	if got, want := strings.TrimSpace(c.Run("logs", "api-host")), "host="+clusterIP+" port=443"; got != want {
		t.Errorf("new pod's environment: %q, want %q", got, want)
	}
}
