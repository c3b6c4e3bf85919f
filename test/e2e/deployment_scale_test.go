package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// stalledDeployment is 10 replicas, maxSurge 3, maxUnavailable 2 (the
// example of Kubernetes' documentation on proportional scaling); with
// ready "false" its pods never become Ready, so a rollout stalls halfway.
const stalledDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: prop}
spec:
  replicas: 10
  strategy:
    rollingUpdate: {maxSurge: 3, maxUnavailable: 2}
  selector:
    matchLabels: {app: prop}
  template:
    metadata:
      labels: {app: prop}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: sleep
        image: busybox
        command: [sleep, "3600"]
        readinessProbe:
          exec: {command: ["%s"]}
          periodSeconds: 1
`

// TestDeploymentScaledMidRolloutScalesProportionally: a rollout stuck on
// a template whose pods never become Ready holds 8 old and 5 new pods
// (10 + maxSurge 3, at least 10 − maxUnavailable 2 available); scaling to
// 15 spreads the 5 more pods 3 to the old ReplicaSet and 2 to the new
// one, as Kubernetes does, instead of giving them all to the new one.
func TestDeploymentScaledMidRolloutScalesProportionally(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(fmt.Sprintf(stalledDeployment, "true"), "apply", "-f", "-")
	c.Run("rollout", "status", "deployment/prop", "--timeout=120s")
	oldRS := c.Run("get", "rs", "-l", "app=prop", "-o", "jsonpath={.items[0].metadata.name}")
	c.RunIn(fmt.Sprintf(stalledDeployment, "false"), "apply", "-f", "-")
	waitSizes(t, cs, oldRS, 8, 5)
	c.Run("scale", "deployment/prop", "--replicas=15")
	waitSizes(t, cs, oldRS, 11, 7)
	rss, err := cs.AppsV1().ReplicaSets("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=prop"})
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range rss.Items {
		if got := rs.Annotations["deployment.kubernetes.io/desired-replicas"]; got != "15" {
			t.Errorf("replicaset %s desired-replicas %q, want 15", rs.Name, got)
		}
	}
}

// waitSizes waits for the old ReplicaSet to want old pods and the other
// one new pods.
func waitSizes(t *testing.T, cs kubernetes.Interface, oldRS string, old, new int32) {
	t.Helper()
	var got map[string]int32
	waitFor(t, func() bool {
		rss, err := cs.AppsV1().ReplicaSets("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=prop"})
		if err != nil || len(rss.Items) != 2 {
			return false
		}
		got = map[string]int32{}
		for _, rs := range rss.Items {
			got[rs.Name] = *rs.Spec.Replicas
		}
		for name, n := range got {
			if (name == oldRS && n != old) || (name != oldRS && n != new) {
				return false
			}
		}
		return true
	}, fmt.Sprintf("replicasets at old %d new %d (last seen %v, old is %s)", old, new, got, oldRS))
}

const orphanReplicaSet = `apiVersion: apps/v1
kind: %s
metadata: {name: orph}
spec:
  replicas: 2
  selector:
    matchLabels: {app: orph}
  template:
    metadata:
      labels: {app: orph}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: sleep
        image: busybox
        command: [sleep, "3600"]
`

// TestDeploymentAdoptsAnOrphanReplicaSet: a Deployment created over a
// ReplicaSet nobody controls, with the same template, adopts it as its
// new ReplicaSet and keeps its pods, as Kubernetes does.
func TestDeploymentAdoptsAnOrphanReplicaSet(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(fmt.Sprintf(orphanReplicaSet, "ReplicaSet"), "apply", "-f", "-")
	c.Run("wait", "--for=jsonpath={.status.readyReplicas}=2", "rs/orph", "--timeout=60s")
	before := podUIDs(t, cs, "app=orph")
	c.RunIn(fmt.Sprintf(orphanReplicaSet, "Deployment"), "apply", "-f", "-")
	c.Run("rollout", "status", "deployment/orph", "--timeout=60s")
	var rs *appsv1.ReplicaSet
	waitFor(t, func() bool {
		got, err := cs.AppsV1().ReplicaSets("default").Get(context.Background(), "orph", metav1.GetOptions{})
		rs = got
		return err == nil && metav1.GetControllerOf(got) != nil
	}, "the ReplicaSet gets a controller")
	if ref := metav1.GetControllerOf(rs); ref.Kind != "Deployment" || ref.Name != "orph" {
		t.Errorf("controller %+v, want Deployment orph", ref)
	}
	if n := strings.TrimSpace(c.Run("get", "rs", "-l", "app=orph", "-o", "name")); n != "replicaset.apps/orph" {
		t.Errorf("replicasets %q: the adopted one must be the new one, no other made", n)
	}
	if after := podUIDs(t, cs, "app=orph"); !slices.Equal(before, after) {
		t.Errorf("pods %v became %v: adoption must keep them", before, after)
	}
}

func podUIDs(t *testing.T, cs kubernetes.Interface, selector string) []string {
	t.Helper()
	pods, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range pods.Items {
		out = append(out, string(p.UID))
	}
	slices.Sort(out)
	return out
}
