package apis

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nginxRC is the ReplicationController of Kubernetes' docs
// (controllers/replication.yaml), with a command so it runs without a
// registry.
const nginxRC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: nginx
spec:
  replicas: 3
  selector:
    app: nginx
  template:
    metadata:
      name: nginx
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx
        command: ["sleep", "3600"]
        ports:
        - containerPort: 80
`

// TestReplicationControllerScale: an RC keeps its pods at replicas, and
// `kubectl scale rc` moves the count both ways.
func TestReplicationControllerScale(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	cs := clientset(t)
	live := func() int {
		n := 0
		for _, p := range daemonPods(t, cs, ns, "app=nginx") {
			if p.DeletionTimestamp == nil {
				n++
			}
		}
		return n
	}
	ready := func(want int32) func() bool {
		return func() bool {
			rc, err := cs.CoreV1().ReplicationControllers(ns).Get(context.Background(), "nginx", metav1.GetOptions{})
			return err == nil && rc.Status.ReadyReplicas == want && rc.Status.Replicas == want && live() == int(want)
		}
	}
	c.RunIn(nginxRC, "-n", ns, "apply", "-f", "-")
	waitFor(t, ready(3), "3 ready pods")
	pods := daemonPods(t, cs, ns, "app=nginx")
	if ref := metav1.GetControllerOf(&pods[0]); ref == nil || ref.Kind != "ReplicationController" || ref.Name != "nginx" {
		t.Errorf("pod controller %+v", ref)
	}
	out := c.Run("-n", ns, "get", "rc", "nginx")
	if lines := strings.Split(out, "\n"); strings.Join(strings.Fields(lines[0]), " ") != "NAME DESIRED CURRENT READY AGE" ||
		strings.Join(strings.Fields(lines[1])[:4], " ") != "nginx 3 3 3" {
		t.Errorf("kubectl get rc: %q", out)
	}

	c.Run("-n", ns, "scale", "rc", "nginx", "--replicas=1")
	waitFor(t, ready(1), "1 pod after scaling down")
	c.Run("-n", ns, "scale", "rc", "nginx", "--replicas=2")
	waitFor(t, ready(2), "2 pods after scaling up")
	events := c.Run("-n", ns, "get", "events", "--field-selector", "involvedObject.kind=ReplicationController", "-o", "jsonpath={.items[*].reason}")
	if !strings.Contains(events, "SuccessfulCreate") || !strings.Contains(events, "SuccessfulDelete") {
		t.Errorf("RC events: %q", events)
	}
}

// TestPodTemplates: PodTemplates are stored and listed with Kubernetes'
// columns.
func TestPodTemplates(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	c.RunIn(`apiVersion: v1
kind: PodTemplate
metadata:
  name: web
template:
  metadata:
    labels: {app: web}
  spec:
    containers:
    - name: web
      image: nginx:1.27
`, "-n", ns, "apply", "-f", "-")
	out := c.Run("-n", ns, "get", "podtemplates")
	lines := strings.Split(out, "\n")
	if strings.Join(strings.Fields(lines[0]), " ") != "NAME CONTAINERS IMAGES POD LABELS" ||
		strings.Join(strings.Fields(lines[1]), " ") != "web web nginx:1.27 app=web" {
		t.Errorf("kubectl get podtemplates: %q", out)
	}
	bad := c.Fail(`apiVersion: v1
kind: PodTemplate
metadata:
  name: empty
template:
  spec:
    containers: []
`, "-n", ns, "apply", "-f", "-")
	if !strings.Contains(bad, "template.spec.containers: Required value") {
		t.Errorf("an empty template: %q", bad)
	}
}
