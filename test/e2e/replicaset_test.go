package e2e

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const sleepReplicaSet = `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: sleep}
spec:
  replicas: 3
  selector:
    matchLabels: {app: sleep}
  template:
    metadata:
      labels: {app: sleep}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: sleep
        image: kiamol/ch03-sleep
        command: [sleep, "3600"]
`

// TestReplicaSetKeepsItsPods: the controller creates the pods, replaces a
// deleted one, scales both ways with kubectl, adopts a matching orphan
// (and, at the desired count, deletes the surplus), releases a pod whose
// labels stop matching, and reports Kubernetes' columns.
func TestReplicaSetKeepsItsPods(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	out, errOut, err := c.Kubectl(context.Background(), sleepReplicaSet, "apply", "-f", "-")
	if err != nil || strings.Contains(errOut, "no ReplicaSet controller") {
		t.Fatalf("apply: %v %s %s", err, out, errOut)
	}
	waitSetReady(t, c, "3")
	pods := setPods(t, cs)
	if len(pods) != 3 {
		t.Fatalf("%d pods, want 3", len(pods))
	}
	for _, p := range pods {
		ref := metav1.GetControllerOf(&p)
		if ref == nil || ref.Kind != "ReplicaSet" || ref.Name != "sleep" || !strings.HasPrefix(p.Name, "sleep-") {
			t.Fatalf("pod %s owner %+v", p.Name, ref)
		}
	}
	row := strings.Fields(c.Run("get", "rs", "sleep", "--no-headers"))
	if len(row) < 4 || row[1] != "3" || row[2] != "3" || row[3] != "3" {
		t.Errorf("kubectl get rs: %v, want DESIRED CURRENT READY 3 3 3", row)
	}

	c.Run("delete", "pod", pods[0].Name, "--wait=false")
	waitFor(t, func() bool { return countReadyNotNamed(t, cs, pods[0].Name) == 3 }, "a replacement for the deleted pod")

	c.Run("scale", "rs", "sleep", "--replicas=1")
	waitFor(t, func() bool { return len(setPods(t, cs)) == 1 }, "scale down to 1")
	c.Run("scale", "rs", "sleep", "--replicas=2")
	waitSetReady(t, c, "2")

	// An orphan with the selector's labels is adopted; the set is then one
	// over and gives up its worst pod, the orphan (not ready yet) or a peer.
	c.RunIn(sleeperPod("orphan", "app: sleep", "", ""), "apply", "-f", "-")
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), "orphan", metav1.GetOptions{})
		return err != nil || metav1.GetControllerOf(p) != nil
	}, "the orphan adopted (or already deleted as surplus)")
	waitFor(t, func() bool { return len(setPods(t, cs)) == 2 }, "back to 2 pods after the adoption")

	// A pod relabelled out of the selector is released and replaced.
	kept := setPods(t, cs)[0].Name
	c.Run("label", "pod", kept, "app=elsewhere", "--overwrite")
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), kept, metav1.GetOptions{})
		return err == nil && metav1.GetControllerOf(p) == nil
	}, "the relabelled pod released")
	waitSetReady(t, c, "2")

	c.Run("delete", "rs", "sleep")
	waitFor(t, func() bool { return len(setPods(t, cs)) == 0 }, "the set's pods deleted with it")
	c.Run("delete", "pod", kept, "--wait=false")
}

func waitSetReady(t *testing.T, c interface{ Run(...string) string }, n string) {
	t.Helper()
	waitFor(t, func() bool {
		return c.Run("get", "rs", "sleep", "-o", "jsonpath={.status.readyReplicas}/{.status.replicas}") == n+"/"+n
	}, "replicaset sleep with "+n+" ready pods")
}

// setPods are the pods controlled by the ReplicaSet sleep, not terminating.
func setPods(t *testing.T, cs kubernetes.Interface) []corev1.Pod {
	t.Helper()
	l, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range l.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.Kind == "ReplicaSet" && ref.Name == "sleep" && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

func countReadyNotNamed(t *testing.T, cs kubernetes.Interface, not string) int {
	n := 0
	for _, p := range setPods(t, cs) {
		if p.Name != not && podReady(&p) {
			n++
		}
	}
	return n
}
