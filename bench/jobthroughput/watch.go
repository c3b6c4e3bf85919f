package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// watcher follows the Job and its pods: the most pods active at once, the
// pods created, the Job's status writes, and, with a fake node, marks each
// new pod Succeeded.
type watcher struct {
	mu        sync.Mutex
	active    map[string]bool
	maxActive int
	first     time.Time
	writes    int
	complete  chan time.Time
	failed    chan string
	stops     []func()
	succeed   chan *corev1.Pod
}

func startWatch(ctx context.Context, watches, cs kubernetes.Interface, fakeNode bool) (*watcher, error) {
	w := &watcher{active: map[string]bool{}, complete: make(chan time.Time, 1), failed: make(chan string, 1)}
	list, err := watches.CoreV1().Pods("default").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return nil, err
	}
	pw, err := benchutil.RetryWatch(ctx, list.ResourceVersion, watches.CoreV1().Pods("default").Watch)
	if err != nil {
		return nil, err
	}
	jw, err := benchutil.RetryWatch(ctx, list.ResourceVersion, watches.BatchV1().Jobs("default").Watch)
	if err != nil {
		pw.Stop()
		return nil, err
	}
	w.stops = []func(){pw.Stop, jw.Stop}
	if fakeNode {
		w.succeed = make(chan *corev1.Pod, 100000)
		for i := 0; i < 16; i++ {
			go w.node(ctx, cs)
		}
	}
	go w.pods(pw)
	go w.jobs(jw)
	return w, nil
}

func (w *watcher) stop() {
	for _, s := range w.stops {
		s()
	}
	if w.succeed != nil {
		close(w.succeed)
	}
}

func (w *watcher) pods(pw watch.Interface) {
	defer w.watchEnded("pods")
	for ev := range pw.ResultChan() {
		p, ok := ev.Object.(*corev1.Pod)
		if !ok {
			w.watchError("pods", ev)
			continue
		}
		on := ev.Type != watch.Deleted && p.DeletionTimestamp == nil &&
			p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
		w.mu.Lock()
		_, seen := w.active[p.Name]
		if !seen && w.first.IsZero() {
			w.first = time.Now()
		}
		w.active[p.Name] = on
		n := 0
		for _, a := range w.active {
			if a {
				n++
			}
		}
		w.maxActive = max(w.maxActive, n)
		w.mu.Unlock()
		if !seen && on && w.succeed != nil {
			w.succeed <- p
		}
	}
}

// node plays the kubelet: the pod ran `true` and exited 0.
func (w *watcher) node(ctx context.Context, cs kubernetes.Interface) {
	for p := range w.succeed {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			now := metav1.Now()
			p.Status.Phase = corev1.PodSucceeded
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", Image: "busybox",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: now, FinishedAt: now}}}}
			_, err := cs.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
			if apierrors.IsConflict(err) {
				if fresh, gerr := cs.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{}); gerr == nil {
					p = fresh
				}
			}
			return err
		})
		if err != nil && ctx.Err() == nil {
			fmt.Printf("# fake node: %s: %v\n", p.Name, err)
		}
	}
}

func (w *watcher) jobs(jw watch.Interface) {
	defer w.watchEnded("jobs")
	for ev := range jw.ResultChan() {
		j, ok := ev.Object.(*batchv1.Job)
		if !ok {
			w.watchError("jobs", ev)
			continue
		}
		w.mu.Lock()
		w.writes++
		w.mu.Unlock()
		for _, c := range j.Status.Conditions {
			if c.Status != corev1.ConditionTrue {
				continue
			}
			switch c.Type {
			case batchv1.JobComplete:
				select {
				case w.complete <- time.Now():
				default:
				}
			case batchv1.JobFailed:
				w.fail("the Job failed: " + c.Reason + ": " + c.Message)
			}
		}
	}
}

// watchEnded fails the run when a watch closes before the benchmark stopped
// it: without its events the run would wait for its timeout and then report
// figures from a partial view.
func (w *watcher) watchEnded(kind string) {
	w.fail("the " + kind + " watch ended early")
}

func (w *watcher) watchError(kind string, ev watch.Event) {
	if ev.Type == watch.Error {
		w.fail(fmt.Sprintf("the %s watch failed: %v", kind, apierrors.FromObject(ev.Object)))
	}
}

func (w *watcher) fail(msg string) {
	select {
	case w.failed <- msg:
	default:
	}
}

func (w *watcher) waitComplete(ctx context.Context, timeout time.Duration) (time.Time, error) {
	select {
	case t := <-w.complete:
		return t, nil
	case msg := <-w.failed:
		return time.Time{}, errors.New(msg)
	case <-time.After(timeout):
		return time.Time{}, fmt.Errorf("the Job did not complete within %v", timeout)
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
}

func (w *watcher) stats() (maxActive, created, writes int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.maxActive, len(w.active), w.writes
}

func (w *watcher) firstPod() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.first
}

func waitNode(ctx context.Context, cs kubernetes.Interface) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err == nil {
			for _, n := range nodes.Items {
				for _, c := range n.Status.Conditions {
					if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
						return nil
					}
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("no node Ready within a minute")
}

// finalizersLeft counts pods still holding the tracking finalizer after
// the Job completed: the controller must have let every one go.
func finalizersLeft(ctx context.Context, cs kubernetes.Interface) (int, error) {
	pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range pods.Items {
		for _, f := range p.Finalizers {
			if f == batchv1.JobTrackingFinalizer {
				n++
			}
		}
	}
	if n > 0 {
		return n, fmt.Errorf("%d pods still hold %s after the Job completed", n, batchv1.JobTrackingFinalizer)
	}
	return 0, nil
}
