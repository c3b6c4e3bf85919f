package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const headlessSleep = `apiVersion: v1
kind: Service
metadata: {name: sleep-with-pvc}
spec:
  clusterIP: None
  selector: {app: sleep-with-pvc}
  ports: [{port: 80}]
`

// TestStatefulSetRunsSeed002Listing84: the listing's StatefulSet, with a
// headless Service, starts its pods in order with stable names, hostnames,
// DNS names and one claim each; a deleted pod comes back with the same
// name and data; scaling adds and removes the highest ordinals and keeps
// the claims; a template change rolls from the highest ordinal down, and
// kubectl rollout status, history and undo work.
func TestStatefulSetRunsSeed002Listing84(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(headlessSleep+"---\n"+statefulSet("apps/v1", "sleep-with-pvc", "data"), "apply", "-f", "-")
	c.Run("rollout", "status", "statefulset/sleep-with-pvc", "--timeout=120s")
	p0, p1 := stsPod(t, cs, 0), stsPod(t, cs, 1)
	if ready := readyTime(p0); ready.IsZero() || p1.CreationTimestamp.Time.Before(ready.Truncate(1e9)) {
		t.Errorf("pod 1 created at %v, before pod 0 was Ready at %v", p1.CreationTimestamp, ready)
	}
	if got := strings.TrimSpace(execIn(c, "sleep-with-pvc-0", "hostname")); got != "sleep-with-pvc-0" {
		t.Errorf("hostname of pod 0: %q", got)
	}
	for _, claim := range []string{"data-sleep-with-pvc-0", "data-sleep-with-pvc-1"} {
		if got := c.Run("get", "pvc", claim, "-o", "jsonpath={.status.phase}"); got != "Bound" {
			t.Errorf("claim %s is %q", claim, got)
		}
	}
	c.RunIn(sleeperPod("client", "role: client", "", ""), "apply", "-f", "-")
	waitReady(t, c, "client")
	waitFor(t, func() bool {
		ips, err := resolve(c, "client", "sleep-with-pvc-1.sleep-with-pvc.default.svc.cluster.local")
		return err == nil && len(ips) == 1 && ips[0] == stsPod(t, cs, 1).Status.PodIP
	}, "pod 1's DNS name through the headless Service")

	execIn(c, "sleep-with-pvc-0", "sh", "-c", "echo kept > /data/file")
	c.Run("delete", "pod", "sleep-with-pvc-0", "--wait=false")
	waitFor(t, func() bool {
		p := stsPod(t, cs, 0)
		return p != nil && p.UID != p0.UID && podReady(p)
	}, "pod 0 replaced")
	if got := strings.TrimSpace(execIn(c, "sleep-with-pvc-0", "cat", "/data/file")); got != "kept" {
		t.Errorf("the new pod 0 reads %q from its claim", got)
	}

	c.Run("scale", "sts", "sleep-with-pvc", "--replicas=3")
	c.Run("rollout", "status", "statefulset/sleep-with-pvc", "--timeout=120s")
	c.Run("scale", "sts", "sleep-with-pvc", "--replicas=1")
	waitFor(t, func() bool { return stsPod(t, cs, 1) == nil && stsPod(t, cs, 2) == nil }, "scale down to 1")
	if got := c.Run("get", "pvc", "-o", "name"); strings.Count(got, "data-sleep-with-pvc-") != 3 {
		t.Errorf("claims after scale-down (Retain keeps them):\n%s", got)
	}

	c.Run("scale", "sts", "sleep-with-pvc", "--replicas=2")
	c.Run("rollout", "status", "statefulset/sleep-with-pvc", "--timeout=120s")
	before := c.Run("get", "sts", "sleep-with-pvc", "-o", "jsonpath={.status.currentRevision}")
	c.Run("set", "env", "statefulset/sleep-with-pvc", "STAGE=two")
	c.Run("rollout", "status", "statefulset/sleep-with-pvc", "--timeout=120s")
	after := c.Run("get", "sts", "sleep-with-pvc", "-o", "jsonpath={.status.currentRevision}")
	if after == before || stsPod(t, cs, 0).Labels["controller-revision-hash"] != after || stsPod(t, cs, 1).Labels["controller-revision-hash"] != after {
		t.Errorf("rolling update: revision %s → %s, pods at %s and %s", before, after,
			stsPod(t, cs, 0).Labels["controller-revision-hash"], stsPod(t, cs, 1).Labels["controller-revision-hash"])
	}
	if hist := c.Run("rollout", "history", "statefulset/sleep-with-pvc"); !strings.Contains(hist, "REVISION") || strings.Count(hist, "\n") < 3 {
		t.Errorf("rollout history:\n%s", hist)
	}
	c.Run("rollout", "undo", "statefulset/sleep-with-pvc")
	c.Run("rollout", "status", "statefulset/sleep-with-pvc", "--timeout=120s")
	if env := c.Run("get", "sts", "sleep-with-pvc", "-o", "jsonpath={.spec.template.spec.containers[0].env}"); strings.Contains(env, "STAGE") {
		t.Errorf("rollout undo left env %s", env)
	}
}

// stsPod is pod <ordinal> of sleep-with-pvc, nil when absent or terminating.
func stsPod(t *testing.T, cs kubernetes.Interface, ordinal int) *corev1.Pod {
	t.Helper()
	p, err := cs.CoreV1().Pods("default").Get(context.Background(), "sleep-with-pvc-"+itoa(ordinal), metav1.GetOptions{})
	if err != nil || p.DeletionTimestamp != nil {
		return nil
	}
	return p
}

func readyTime(p *corev1.Pod) (t metav1.Time) {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return c.LastTransitionTime
		}
	}
	return t
}

// TestStatefulSetRetentionPolicyDeletesClaimsThroughOwners: with
// whenScaled and whenDeleted Delete, the claims carry Kubernetes' owner
// references (the set's; a scaled-away pod's), so the garbage collector
// deletes a scaled-away ordinal's claim after its pod, and the rest with
// the set.
func TestStatefulSetRetentionPolicyDeletesClaimsThroughOwners(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(headlessSleep+"---\n"+statefulSet("apps/v1", "sleep-with-pvc", "data"), "apply", "-f", "-")
	c.Run("patch", "sts", "sleep-with-pvc", "--type=merge", "-p", `{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Delete","whenDeleted":"Delete"}}}`)
	c.Run("rollout", "status", "statefulset/sleep-with-pvc", "--timeout=120s")
	setUID := c.Run("get", "sts", "sleep-with-pvc", "-o", "jsonpath={.metadata.uid}")
	owners := func(claim string) string {
		pvc, err := cs.CoreV1().PersistentVolumeClaims("default").Get(context.Background(), claim, metav1.GetOptions{})
		if err != nil {
			return "gone"
		}
		var out []string
		for _, r := range pvc.OwnerReferences {
			out = append(out, r.Kind+"/"+r.Name+"/"+string(r.UID))
		}
		return strings.Join(out, ",")
	}
	for _, claim := range []string{"data-sleep-with-pvc-0", "data-sleep-with-pvc-1"} {
		claim := claim
		waitFor(t, func() bool { return owners(claim) == "StatefulSet/sleep-with-pvc/"+setUID }, claim+" owned by the set (last: "+owners(claim)+")")
	}
	wctx, stop := context.WithTimeout(context.Background(), 60*time.Second)
	defer stop()
	w, err := cs.CoreV1().PersistentVolumeClaims("default").Watch(wctx, metav1.ListOptions{FieldSelector: "metadata.name=data-sleep-with-pvc-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	c.Run("scale", "sts", "sleep-with-pvc", "--replicas=1")
	podOwned := false
	for ev := range w.ResultChan() {
		pvc, ok := ev.Object.(*corev1.PersistentVolumeClaim)
		if !ok {
			t.Fatalf("watch: %v", ev.Object)
		}
		for _, r := range pvc.OwnerReferences {
			podOwned = podOwned || (r.Kind == "Pod" && r.Name == "sleep-with-pvc-1")
		}
		if ev.Type == "DELETED" {
			break
		}
	}
	if !podOwned {
		t.Error("the scaled-away claim was deleted without first being owned by its pod, as Kubernetes does it")
	}
	waitFor(t, func() bool { return owners("data-sleep-with-pvc-1") == "gone" }, "the scaled-away claim deleted after its pod")
	if got := owners("data-sleep-with-pvc-0"); got != "StatefulSet/sleep-with-pvc/"+setUID {
		t.Errorf("the kept claim's owners: %s", got)
	}
	c.Run("delete", "sts", "sleep-with-pvc")
	waitFor(t, func() bool { return owners("data-sleep-with-pvc-0") == "gone" }, "the last claim deleted with the set")
}
