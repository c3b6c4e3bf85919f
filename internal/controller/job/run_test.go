package job

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	clienttesting "k8s.io/client-go/testing"
)

// TestRun drives the whole loop against the fake API: informers, batched
// syncs, pod creation, the finalizer protocol and the terminal condition.
// The test plays the node, finishing each pod it finds running. The fake
// clock is stepped by the batching period while polling; the waits are
// for goroutines, not for a schedule.
func TestRun(t *testing.T) {
	f := newFixture(t)
	// The fake API server sends watchers only what happens after they
	// start: the Job is created once both informers watch.
	watching := make(chan string, 10)
	f.client.PrependWatchReactor("*", func(a clienttesting.Action) (bool, watch.Interface, error) {
		w, err := f.client.Tracker().Watch(a.GetResource(), a.GetNamespace())
		watching <- a.GetResource().Resource
		return true, w, err
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.ctl.Run(ctx, 2); close(done) }()
	defer func() { cancel(); <-done }()
	for seen := map[string]bool{}; !seen["pods"] || !seen["jobs"]; {
		seen[<-watching] = true
	}
	job := testJob(notStarted, parallelism(2), withCompletions(3))
	if _, err := f.client.BatchV1().Jobs("default").Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	maxActive := 0
	err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		f.clock.Step(podBatchPeriod)
		pods, err := f.client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		active := 0
		for i := range pods.Items {
			p := &pods.Items[i]
			if p.Status.Phase == "" || p.Status.Phase == corev1.PodRunning {
				active++
				succeeded(p)
				if _, err := f.client.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
					return false, err
				}
			}
		}
		maxActive = max(maxActive, active)
		j, err := f.client.BatchV1().Jobs("default").Get(ctx, "j", metav1.GetOptions{})
		return err == nil && isFinished(j), err
	})
	if err != nil {
		acts := f.actions()
		if len(acts) > 40 {
			acts = acts[len(acts)-40:]
		}
		j, _ := f.client.BatchV1().Jobs("default").Get(ctx, "j", metav1.GetOptions{})
		t.Fatalf("the Job never finished: %v; last actions %q; status %+v", err, acts, j.Status)
	}
	j, _ := f.client.BatchV1().Jobs("default").Get(ctx, "j", metav1.GetOptions{})
	if c := cond(j.Status, batchv1.JobComplete); c == nil || j.Status.Succeeded != 3 || j.Status.Failed != 0 {
		t.Fatalf("status %+v", j.Status)
	}
	pods, _ := f.client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	if len(pods.Items) != 3 || maxActive > 2 {
		t.Errorf("%d pods, at most %d active at once", len(pods.Items), maxActive)
	}
	for _, p := range pods.Items {
		if len(p.Finalizers) != 0 {
			t.Errorf("pod %s keeps finalizers %v", p.Name, p.Finalizers)
		}
	}
}
