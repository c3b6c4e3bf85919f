package e2e

import (
	"context"
	"os"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// TestJobCountsEveryPodOnceAcrossKill9 kills the server (API, etcd and the
// Job controller) with SIGKILL three times while a Job runs. The node is a
// separate agent process, so its pods keep running and finish while the
// controller is down. However the kills fall between recording a pod in
// uncountedTerminatedPods, removing its finalizer and counting it, every
// pod must be counted exactly once: as many Succeeded pods as
// status.succeeded, none failed (backoffLimit 0 would fail the Job), and no
// finalizer left.
func TestJobCountsEveryPodOnceAcrossKill9(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("pods need root for namespaces")
	}
	c := testcluster.StartT(t, "--no-agent")
	// The agent's node name is the server's (unique) plus -a: a node name
	// claims cgroups machine-wide, and parallel tests join agents too.
	agent, err := c.StartAgent(t.TempDir(), c.NodeName+"-a")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Stop)
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	c.RunIn(`apiVersion: batch/v1
kind: Job
metadata: {name: survivor}
spec:
  completions: 12
  parallelism: 3
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        command: [sh, -c, 'sleep 0.7']
`, "apply", "-f", "-")
	for i := 0; i < 3; i++ {
		time.Sleep(1500 * time.Millisecond)
		c.Kill9()
		if err := c.Restart(); err != nil {
			t.Fatal(err)
		}
	}
	job := waitJob(t, cs, "survivor", batchv1.JobComplete)
	if job.Status.Succeeded != 12 || job.Status.Failed != 0 {
		t.Fatalf("status %+v", job.Status)
	}
	succeeded := 0
	for _, p := range jobPods(t, cs, "survivor") {
		if p.Status.Phase == corev1.PodSucceeded {
			succeeded++
		} else {
			t.Errorf("pod %s is %s", p.Name, p.Status.Phase)
		}
		if len(p.Finalizers) != 0 {
			t.Errorf("pod %s keeps %v", p.Name, p.Finalizers)
		}
	}
	if succeeded != 12 {
		t.Errorf("%d pods succeeded, status says 12: a pod was counted twice or lost", succeeded)
	}
	// The seed's other half: a Job deleted with its pods leaves none behind.
	c.Run("delete", "job", "survivor", "--cascade=background")
	waitFor(t, func() bool {
		pods, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
		return err == nil && len(pods.Items) == 0
	}, "the deleted Job's pods are removed")
}
