package apis

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// webDeployment is two pods that run on the host's root and are Ready
// as soon as they run.
const webDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: sleep
        image: busybox
        command: [sleep, "3600"]
`

// webBudget is a PodDisruptionBudget of the web pods.
const webBudget = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: %d
  selector:
    matchLabels: {app: web}
`

// waitBudget waits until the controller has observed the budget's
// generation and computed allowed disruptions from healthy pods.
func waitBudget(t *testing.T, cs kubernetes.Interface, ns string, healthy, allowed int32) *policyv1.PodDisruptionBudget {
	t.Helper()
	var pdb *policyv1.PodDisruptionBudget
	waitFor(t, func() bool {
		got, err := cs.PolicyV1().PodDisruptionBudgets(ns).Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil {
			return false
		}
		s := got.Status
		pdb = got
		return s.ObservedGeneration == got.Generation && s.CurrentHealthy == healthy && s.DisruptionsAllowed == allowed
	}, fmt.Sprintf("budget with %d healthy pods allowing %d disruptions", healthy, allowed))
	return pdb
}

func webPods(t *testing.T, cs kubernetes.Interface, ns string) []corev1.Pod {
	t.Helper()
	pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

// TestPodDisruptionBudgetGuardsEviction: a budget of minAvailable 2 over
// two Ready pods allows no disruption, and the Eviction API refuses with
// Kubernetes' 429; lowered to 1, one eviction goes through and spends it.
func TestPodDisruptionBudgetGuardsEviction(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c, cs := server(t), clientset(t)
	c.RunIn(webDeployment, "-n", ns, "apply", "-f", "-")
	c.Run("-n", ns, "rollout", "status", "deployment/web", "--timeout=120s")
	c.RunIn(fmt.Sprintf(webBudget, 2), "-n", ns, "apply", "-f", "-")
	waitBudget(t, cs, ns, 2, 0)

	out := c.Run("-n", ns, "get", "pdb")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE" {
		t.Fatalf("kubectl get pdb:\n%s", out)
	}
	if f := strings.Fields(lines[1]); len(f) != 5 || f[0] != "web" || f[1] != "2" || f[2] != "N/A" || f[3] != "0" {
		t.Fatalf("kubectl get pdb row: %q", lines[1])
	}

	victim := webPods(t, cs, ns)[0].Name
	eviction := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: victim, Namespace: ns}}
	err := cs.PolicyV1().Evictions(ns).Evict(context.Background(), eviction)
	if !apierrors.IsTooManyRequests(err) {
		t.Fatalf("eviction under a spent budget: %v, want 429", err)
	}
	status := err.(apierrors.APIStatus).Status()
	if status.Message != "Cannot evict pod as it would violate the pod's disruption budget." ||
		len(status.Details.Causes) != 1 || status.Details.Causes[0].Type != policyv1.DisruptionBudgetCause ||
		status.Details.Causes[0].Message != "The disruption budget web needs 2 healthy pods and has 2 currently" {
		t.Fatalf("refusal: %+v", status)
	}
	if p, err := cs.CoreV1().Pods(ns).Get(context.Background(), victim, metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Fatalf("the refused eviction touched the pod: %v", err)
	}

	c.Run("-n", ns, "patch", "pdb", "web", "--type=merge", "-p", `{"spec":{"minAvailable":1}}`)
	before := waitBudget(t, cs, ns, 2, 1)
	w, err := cs.PolicyV1().PodDisruptionBudgets(ns).Watch(context.Background(), metav1.ListOptions{
		FieldSelector: "metadata.name=web", ResourceVersion: before.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := cs.PolicyV1().Evictions(ns).Evict(context.Background(), eviction); err != nil {
		t.Fatalf("eviction the budget allows: %v", err)
	}
	spent := nextBudget(t, w)
	if spent.Status.DisruptionsAllowed != 0 || spent.Status.DisruptedPods[victim].Time.IsZero() {
		t.Fatalf("the eviction did not spend the budget: %+v", spent.Status)
	}
	p, err := cs.CoreV1().Pods(ns).Get(context.Background(), victim, metav1.GetOptions{})
	if err == nil && p.DeletionTimestamp == nil {
		t.Fatal("the evicted pod is not being deleted")
	}
}

// nextBudget is the budget's next change in w.
func nextBudget(t *testing.T, w watch.Interface) *policyv1.PodDisruptionBudget {
	t.Helper()
	select {
	case ev := <-w.ResultChan():
		pdb, ok := ev.Object.(*policyv1.PodDisruptionBudget)
		if ev.Type != watch.Modified || !ok {
			t.Fatalf("watch: %s %T", ev.Type, ev.Object)
		}
		return pdb
	case <-time.After(30 * time.Second):
		t.Fatal("no change to the budget")
	}
	return nil
}

// TestPodDisruptionBudgetValidation: Kubernetes' refusals of a budget.
func TestPodDisruptionBudgetValidation(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	both := "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: both}\nspec: {minAvailable: 1, maxUnavailable: 1}\n"
	if out := c.Fail(both, "-n", ns, "apply", "-f", "-"); !strings.Contains(out, "minAvailable and maxUnavailable cannot be both set") {
		t.Errorf("both bounds: %s", out)
	}
	pct := "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: pct}\nspec: {maxUnavailable: 120%, unhealthyPodEvictionPolicy: Sometimes}\n"
	out := c.Fail(pct, "-n", ns, "apply", "-f", "-")
	for _, want := range []string{"spec.maxUnavailable: Invalid value", "must not be greater than 100%", `spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes"`} {
		if !strings.Contains(out, want) {
			t.Errorf("bad budget: %q lacks %q", out, want)
		}
	}
}
