package apis

import (
	"context"
	"fmt"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
