package main

import (
	"context"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// fireRun is one CronJob run as the benchmark saw it: its scheduled slot (from
// the Job's annotation) and when the watch delivered its Job and its first
// running pod.
type fireRun struct {
	slot    time.Time
	created time.Time
	running time.Time
}

// runWatcher follows Jobs and pods of the namespace, stamping each run on
// arrival of the event. It is opened before anything is created.
type runWatcher struct {
	mu   sync.Mutex
	runs map[string]*fireRun // by Job name
	done map[string]bool     // Jobs with a Complete condition
}

func newRunWatcher() *runWatcher {
	return &runWatcher{runs: map[string]*fireRun{}, done: map[string]bool{}}
}

// start opens both watches at the namespace's current resourceVersion as
// retry watchers: when the server ends a watch (a busy server drops a
// watcher that falls behind) they resume from the last event seen, so no
// run goes unseen; a resume too old to serve fails the watch instead.
func (w *runWatcher) start(ctx context.Context, cs kubernetes.Interface, ns string) error {
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return err
	}
	rv := list.ResourceVersion
	jobs, err := benchutil.RetryWatch(ctx, rv, cs.BatchV1().Jobs(ns).Watch)
	if err != nil {
		return err
	}
	pods, err := benchutil.RetryWatch(ctx, rv, cs.CoreV1().Pods(ns).Watch)
	if err != nil {
		jobs.Stop()
		return err
	}
	go w.follow(ctx, jobs, w.onJob)
	go w.follow(ctx, pods, w.onPod)
	return nil
}

func (w *runWatcher) follow(ctx context.Context, wi watch.Interface, on func(watch.Event, time.Time)) {
	defer wi.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-wi.ResultChan():
			if !ok {
				return
			}
			if ev.Type == watch.Error {
				// Runs after this point go unseen; waitRuns then times out
				// and says how many it saw.
				benchutil.Progress("watch failed: %v", apierrors.FromObject(ev.Object))
				continue
			}
			on(ev, time.Now())
		}
	}
}

func (w *runWatcher) onJob(ev watch.Event, now time.Time) {
	j, ok := ev.Object.(*batchv1.Job)
	if !ok || ev.Type == watch.Deleted {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.runs[j.Name]
	if r == nil {
		r = &fireRun{created: now}
		if slot, err := time.Parse(time.RFC3339, j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]); err == nil {
			r.slot = slot
		}
		w.runs[j.Name] = r
	}
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
			w.done[j.Name] = true
		}
	}
}

func (w *runWatcher) onPod(ev watch.Event, now time.Time) {
	p, ok := ev.Object.(*corev1.Pod)
	if !ok || ev.Type == watch.Deleted {
		return
	}
	ran, ok := ranAt(p, now)
	if !ok {
		return
	}
	job := p.Labels[batchv1.JobNameLabel]
	w.mu.Lock()
	defer w.mu.Unlock()
	if r := w.runs[job]; r != nil && r.running.IsZero() {
		r.running = ran
	}
}

// lags returns, for the runs whose Job name has prefix, the lag of each
// stage behind the slot, and how many runs are in each state.
func (w *runWatcher) lags(match func(name string) bool) (created, running []time.Duration, completed int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for name, r := range w.runs {
		if !match(name) || r.slot.IsZero() {
			continue
		}
		created = append(created, r.created.Sub(r.slot))
		if !r.running.IsZero() {
			running = append(running, r.running.Sub(r.slot))
		}
		if w.done[name] {
			completed++
		}
	}
	return created, running, completed
}

// ranAt says when a pod's container was first running: when the watch
// delivers phase Running; or, for a pod whose first reported state is
// already finished (a busy agent may report a short container only once it
// exited), the container's startedAt, which the API keeps to the second.
func ranAt(p *corev1.Pod, now time.Time) (time.Time, bool) {
	switch p.Status.Phase {
	case corev1.PodRunning:
		return now, true
	case corev1.PodSucceeded, corev1.PodFailed:
		for _, c := range p.Status.ContainerStatuses {
			if t := c.State.Terminated; t != nil && !t.StartedAt.IsZero() {
				return t.StartedAt.Time, true
			}
		}
	}
	return time.Time{}, false
}
