package e2e

import (
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"
)

// In-cluster clients find the API as in Kubernetes: through the kubernetes
// Service's variables in every container, reaching it through the service
// proxy, and verifying the server's certificate for the Service's IP.
func TestPodsFindTheAPIThroughTheKubernetesService(t *testing.T) {
	c, _, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  enableServiceLinks: false
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
`, "apply", "-f", "-")
	waitReady(t, c, "client")
	apiIP := c.Run("get", "svc", "kubernetes", "-o", "jsonpath={.spec.clusterIP}")
	env := execIn(c, "client", "sh", "-c", "echo $KUBERNETES_SERVICE_HOST $KUBERNETES_SERVICE_PORT $KUBERNETES_PORT_443_TCP")
	if want := apiIP + " 443 tcp://" + apiIP + ":443"; strings.TrimSpace(env) != want {
		t.Fatalf("the container's kubernetes variables are %q, want %q (they are set even with enableServiceLinks false)", env, want)
	}
	execIn(c, "client", "python3", "-c",
		"import os, socket; socket.create_connection((os.environ['KUBERNETES_SERVICE_HOST'], int(os.environ['KUBERNETES_SERVICE_PORT'])), 10).close()")

	cfg, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host = "https://" + apiIP + ":443" // TLS verified against the CA, for this IP
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Discovery().ServerVersion(); err != nil {
		t.Fatalf("the API through the kubernetes Service's ClusterIP: %v", err)
	}
}
