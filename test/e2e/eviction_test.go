package e2e

import (
	"context"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestEvictionMarksAndDeletes: pods/eviction (no PodDisruptionBudgets are
// served, so none refuses) marks the pod DisruptionTarget and deletes it;
// a Job whose podFailurePolicy ignores DisruptionTarget does not count
// the evicted pod as failed and starts another. A wrong name is a 400.
func TestEvictionMarksAndDeletes(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	ctx := context.Background()
	c.RunIn(`apiVersion: batch/v1
kind: Job
metadata: {name: evicted}
spec:
  backoffLimit: 0
  podFailurePolicy:
    rules:
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
`, "apply", "-f", "-")
	var first corev1.Pod
	waitFor(t, func() bool {
		pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "job-name=evicted"})
		if err != nil || len(pods.Items) != 1 || pods.Items[0].Status.Phase != corev1.PodRunning {
			return false
		}
		first = pods.Items[0]
		return true
	}, "the Job's pod running")

	bad := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "default"}}
	if err := cs.CoreV1().Pods("default").EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: first.Name, Namespace: "default"}}); err != nil {
		t.Fatalf("evict: %v", err)
	}
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods("default").Get(ctx, first.Name, metav1.GetOptions{})
		if err != nil {
			return true // gone: checked through the Job below
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.DisruptionTarget && cond.Reason == "EvictionByEvictionAPI" {
				return p.DeletionTimestamp != nil
			}
		}
		return false
	}, "the evicted pod marked DisruptionTarget and deleted")
	waitFor(t, func() bool {
		pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "job-name=evicted"})
		if err != nil {
			return false
		}
		for _, p := range pods.Items {
			if p.UID != first.UID && p.Status.Phase == corev1.PodRunning {
				return true
			}
		}
		return false
	}, "a replacement pod")
	job, err := cs.BatchV1().Jobs("default").Get(ctx, "evicted", metav1.GetOptions{})
	if err != nil || job.Status.Failed != 0 || jobFailedCondition(job) {
		t.Errorf("the ignored eviction counted as a failure: %+v, %v", job.Status, err)
	}

	err = cs.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name(first.Name).SubResource("eviction").
		Body(bad).Do(ctx).Error()
	if err == nil || !strings.Contains(err.Error(), "name in URL does not match") {
		t.Errorf("mismatched eviction name: %v", err)
	}
}

func jobFailedCondition(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
