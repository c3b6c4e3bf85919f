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
	t.Parallel()
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

	// A pod's kubectl (the image table gives kubectl images ordo's own)
	// uses the token volume the ServiceAccount admission mounted, and
	// RBAC applies to it as to any service account.
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: whoami}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: bitnami/kubectl
    command: [sh, -c, 'ls /var/run/secrets/kubernetes.io/serviceaccount; cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo;
      kubectl auth whoami -o jsonpath={.status.userInfo.username}; echo;
      kubectl get pods 2>&1 | grep -o Forbidden']
`, "apply", "-f", "-")
	waitFor(t, func() bool {
		return c.Run("get", "pod", "whoami", "-o", "jsonpath={.status.phase}") == "Succeeded"
	}, "the in-cluster kubectl pod finishes")
	volume := c.Run("get", "pod", "whoami", "-o", "jsonpath={.spec.volumes[0].name} {.spec.containers[0].volumeMounts[0].mountPath}")
	if !strings.HasPrefix(volume, "kube-api-access-") || !strings.HasSuffix(volume, " /var/run/secrets/kubernetes.io/serviceaccount") {
		t.Errorf("the pod's API access volume and mount: %q", volume)
	}
	want := []string{"ca.crt", "namespace", "token", "default", "system:serviceaccount:default:default", "Forbidden"}
	if got := strings.Fields(c.Run("logs", "whoami")); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("in-cluster kubectl printed %q, want %q", got, want)
	}
}
