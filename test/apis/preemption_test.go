package apis

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// preemptionClasses are a low and a high PriorityClass.
const preemptionClasses = `apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 1
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
`

// cpuHog is a pod of class %s asking for all of the node's cpu (%s).
const cpuHog = `apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  priorityClassName: %s
  terminationGracePeriodSeconds: 1
  containers:
  - name: sleep
    image: busybox
    command: [sleep, "3600"]
    resources:
      requests: {cpu: "%s"}
`

// TestSchedulerPreemptsLowerPriority runs on a server of its own, since
// it takes all of its node's cpu: a high-priority pod that does not fit
// evicts the low-priority one (Preempted event; the DisruptionTarget
// condition, when the pod is seen before it is gone) and runs in its place.
func TestSchedulerPreemptsLowerPriority(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("pods need root")
	}
	t.Parallel()
	const node = "preempt-1"
	c := testcluster.StartT(t, "--node-name", node)
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	var cpu string
	waitFor(t, func() bool {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
		if err != nil || !testcluster.NodeReady(n) {
			return false
		}
		q := n.Status.Allocatable[corev1.ResourceCPU]
		cpu = q.String()
		return true
	}, node+" Ready")
	c.RunIn(preemptionClasses, "apply", "-f", "-")
	c.RunIn(fmt.Sprintf(cpuHog, "victim", "low", cpu), "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/victim", "--timeout=60s")

	c.RunIn(fmt.Sprintf(cpuHog, "preemptor", "high", cpu), "apply", "-f", "-")
	var sawCondition bool
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), "victim", metav1.GetOptions{})
		if err != nil {
			return true // gone
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.DisruptionTarget && c.Reason == "PreemptionByScheduler" {
				sawCondition = true
			}
		}
		return sawCondition && p.DeletionTimestamp != nil
	}, "the low-priority pod preempted")
	c.Run("wait", "--for=condition=Ready", "pod/preemptor", "--timeout=60s")
	evs, err := cs.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=victim,reason=Preempted"})
	if err != nil || len(evs.Items) == 0 {
		t.Fatalf("no Preempted event for the victim: %v", err)
	}
	p, err := cs.CoreV1().Pods("default").Get(context.Background(), "preemptor", metav1.GetOptions{})
	if err != nil || p.Spec.NodeName != node {
		t.Fatalf("preemptor on node %q (%v)", p.Spec.NodeName, err)
	}
}

// TestPreemptionForExtendedResource is SchedulerPreemption's basic
// conformance test on the shared server: the node's status is patched to
// offer 5 of an extended resource (a name of the test's own, so other
// tests do not see it), a low- and a medium-priority pod hold 2 each, and
// a high-priority pod asking 2 preempts the low one only. The agent's
// next status refresh keeps the patched resource, as the kubelet keeps
// the capacity it does not manage.
func TestPreemptionForExtendedResource(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t)
	ctx := context.Background()
	const res = corev1.ResourceName("apis.ordo.dev/preempt")
	classes := map[string]int32{ns + "-low": 1, ns + "-medium": 100, ns + "-high": 1000}
	for name, v := range classes {
		pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: v}
		if _, err := cs.SchedulingV1().PriorityClasses().Create(ctx, pc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cs.SchedulingV1().PriorityClasses().Delete(ctx, name, metav1.DeleteOptions{}) })
	}
	patch := fmt.Sprintf(`{"status":{"capacity":{%[1]q:"5"},"allocatable":{%[1]q:"5"}}}`, res)
	before, err := cs.CoreV1().Nodes().Patch(ctx, nodeName, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = retry.RetryOnConflict(retry.DefaultBackoff, func() error {
			n, err := cs.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
			if err != nil {
				return err
			}
			delete(n.Status.Capacity, res)
			delete(n.Status.Allocatable, res)
			_, err = cs.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
			return err
		})
	})
	mk := func(name, class string) *corev1.Pod {
		q := resource.MustParse("2")
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: corev1.PodSpec{
				PriorityClassName:             class,
				TerminationGracePeriodSeconds: ptr.To[int64](1),
				NodeSelector:                  map[string]string{corev1.LabelHostname: nodeName},
				Containers: []corev1.Container{{Name: "sleep", Image: "busybox", Command: []string{"sleep", "3600"},
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{res: q}, Limits: corev1.ResourceList{res: q}}}},
			},
		}
		p, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	bound := func(name string) bool {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		return err == nil && p.Spec.NodeName != ""
	}
	mk("low", ns+"-low")
	mk("medium", ns+"-medium")
	waitFor(t, func() bool { return bound("low") && bound("medium") }, "the low and medium pods placed")

	mk("high", ns+"-high")
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "low", metav1.GetOptions{})
		return apierrors.IsNotFound(err) || (err == nil && p.DeletionTimestamp != nil)
	}, "the low-priority pod preempted")
	waitFor(t, func() bool { return bound("high") }, "the high-priority pod placed")
	if p, err := cs.CoreV1().Pods(ns).Get(ctx, "medium", metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Fatalf("the medium-priority pod was preempted too (%v)", err)
	}

	// The agent refreshes the node's status at least every minute.
	heartbeat := func(n *corev1.Node) time.Time {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.LastHeartbeatTime.Time
			}
		}
		return time.Time{}
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		n, err := cs.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if heartbeat(n).After(heartbeat(before)) {
			c, a := n.Status.Capacity[res], n.Status.Allocatable[res]
			if c.Value() != 5 || a.Value() != 5 {
				t.Fatalf("after a status refresh the node offers %s capacity %s, allocatable %s; want 5", res, c.String(), a.String())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the agent did not refresh the node's status in 90s")
		}
		time.Sleep(time.Second)
	}
}
