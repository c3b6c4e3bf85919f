package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// podTimes is one pod's life as the benchmark saw it: request stamps taken
// by the client and transition stamps taken when the watch delivered them.
type podTimes struct {
	uid         string
	sent        time.Time // create request started
	created     time.Time // create request returned
	scheduled   time.Time // first event with spec.nodeName set
	running     time.Time // first event with phase Running and the container running
	startedAt   time.Time // the container's state.running.startedAt (second resolution)
	deleteSent  time.Time
	deleteDone  time.Time
	gone        time.Time // DELETED event
	failed      string    // why the pod can never run, if so
	restarts    int32     // the container's restartCount when first Running
	problem     string    // the first reason the container was not starting normally
	sandboxFork time.Time // from /proc starttime, 10 ms resolution
	processFork time.Time
}

// podWatcher follows every pod of the namespace on one watch, opened before
// the first create, and stamps each transition on arrival. The creators
// also record their request stamps here, so all access goes through mu.
type podWatcher struct {
	cs         kubernetes.Interface
	ns         string
	mu         sync.Mutex
	pods       map[string]*podTimes
	rv         string
	reconnects int
	err        error
	changed    chan struct{} // a value is pending after any change
	done       chan struct{} // closed when the watch loop ended
	cancel     context.CancelFunc
}

// startWatch opens the watch from rv and returns once the server answered,
// so no create happens before the watcher listens.
func startWatch(ctx context.Context, cs kubernetes.Interface, ns, rv string) (*podWatcher, error) {
	ctx, cancel := context.WithCancel(ctx)
	w := &podWatcher{cs: cs, ns: ns, rv: rv, pods: map[string]*podTimes{},
		changed: make(chan struct{}, 1), done: make(chan struct{}), cancel: cancel}
	wi, err := w.open(ctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("watch pods: %w", err)
	}
	go func() {
		defer close(w.done)
		err := w.loop(ctx, wi)
		w.mu.Lock()
		w.err = err
		w.mu.Unlock()
		w.notify()
	}()
	return w, nil
}

// stop ends the watch and waits for its goroutine.
func (w *podWatcher) stop() {
	w.cancel()
	<-w.done
}

func (w *podWatcher) open(ctx context.Context) (watch.Interface, error) {
	return w.cs.CoreV1().Pods(w.ns).Watch(ctx, metav1.ListOptions{ResourceVersion: w.rv, AllowWatchBookmarks: true})
}

// loop consumes events until ctx ends, reopening the watch from the last
// seen resourceVersion when the server closes it, so a routine close never
// loses a transition.
func (w *podWatcher) loop(ctx context.Context, wi watch.Interface) error {
	for {
		err := w.consume(wi)
		wi.Stop()
		if err != nil || ctx.Err() != nil {
			return err
		}
		w.mu.Lock()
		w.reconnects++
		w.mu.Unlock()
		if wi, err = w.open(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("reopen watch: %w", err)
		}
	}
}

// consume reads one watch stream until it closes.
func (w *podWatcher) consume(wi watch.Interface) error {
	for ev := range wi.ResultChan() {
		now := time.Now()
		if ev.Type == watch.Error {
			return fmt.Errorf("watch error: %w", apierrors.FromObject(ev.Object))
		}
		p, ok := ev.Object.(*corev1.Pod)
		if !ok {
			return fmt.Errorf("watch delivered %T", ev.Object)
		}
		w.observe(ev.Type, p, now)
	}
	return nil
}

// observe stamps the first time each transition is seen.
func (w *podWatcher) observe(typ watch.EventType, p *corev1.Pod, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rv = p.ResourceVersion
	if typ == watch.Bookmark {
		return
	}
	t := w.entry(p.Name)
	if t.uid == "" {
		t.uid = string(p.UID)
	}
	switch {
	case typ == watch.Deleted:
		setOnce(&t.gone, now)
	case p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded:
		t.failed = fmt.Sprintf("phase %s %s %s", p.Status.Phase, p.Status.Reason, p.Status.Message)
	}
	if p.Spec.NodeName != "" {
		setOnce(&t.scheduled, now)
	}
	if started, ok := containerRunning(p); ok && t.running.IsZero() {
		t.running, t.startedAt = now, started
		t.restarts = p.Status.ContainerStatuses[0].RestartCount
	}
	if t.problem == "" && t.running.IsZero() {
		t.problem = startProblem(p)
	}
	w.notify()
}

// containerRunning reports whether the pod is Running with its container
// running, and the container's startedAt.
func containerRunning(p *corev1.Pod) (time.Time, bool) {
	if p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) == 0 {
		return time.Time{}, false
	}
	r := p.Status.ContainerStatuses[0].State.Running
	if r == nil {
		return time.Time{}, false
	}
	return r.StartedAt.Time, true
}

// startProblem describes a container that failed to start or is waiting
// for a reason other than being created, so a slow start can be explained.
func startProblem(p *corev1.Pod) string {
	for _, cs := range p.Status.ContainerStatuses {
		if t := cs.LastTerminationState.Terminated; t != nil {
			return fmt.Sprintf("%s (exit %d): %s", t.Reason, t.ExitCode, t.Message)
		}
		if w := cs.State.Waiting; w != nil && w.Reason != "ContainerCreating" {
			return w.Reason + ": " + w.Message
		}
	}
	return ""
}

func setOnce(t *time.Time, now time.Time) {
	if t.IsZero() {
		*t = now
	}
}

// entry returns the pod's record, creating it; the watch can deliver a pod
// before its create call has returned. Call with mu held.
func (w *podWatcher) entry(name string) *podTimes {
	t := w.pods[name]
	if t == nil {
		t = &podTimes{}
		w.pods[name] = t
	}
	return t
}

func (w *podWatcher) notify() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// update lets a request goroutine stamp a pod's record.
func (w *podWatcher) update(name string, fn func(*podTimes)) {
	w.mu.Lock()
	fn(w.entry(name))
	w.mu.Unlock()
}

// snapshot copies the records of names, for computing figures without
// holding the lock.
func (w *podWatcher) snapshot(names []string) []podTimes {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]podTimes, len(names))
	for i, n := range names {
		out[i] = *w.entry(n)
	}
	return out
}

// waitAll blocks until cond holds for every pod in names, a pod fails, the
// watch breaks, or timeout passes; what names the condition in errors.
func (w *podWatcher) waitAll(ctx context.Context, names []string, what string, timeout time.Duration, cond func(*podTimes) bool) error {
	deadline := time.After(timeout)
	for {
		pending, err := w.pending(names, cond)
		if err != nil || len(pending) == 0 {
			return err
		}
		select {
		case <-w.changed:
		case <-deadline:
			return fmt.Errorf("%d of %d pods not %s after %s: %s", len(pending), len(names), what, timeout, sample(pending))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// pending lists the pods not yet satisfying cond; it fails when a pod can
// never run or the watch has ended with an error.
func (w *podWatcher) pending(names []string, cond func(*podTimes) bool) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return nil, w.err
	}
	select {
	case <-w.done:
		return nil, fmt.Errorf("pod watch ended")
	default:
	}
	var out []string
	for _, n := range names {
		t := w.entry(n)
		if t.failed != "" && t.running.IsZero() {
			return nil, fmt.Errorf("pod %s: %s", n, t.failed)
		}
		if !cond(t) {
			out = append(out, n)
		}
	}
	return out, nil
}

// sample names a few pods, enough to start a diagnosis.
func sample(names []string) string {
	s := append([]string(nil), names...)
	sort.Strings(s)
	if len(s) > 5 {
		s = append(s[:5], "...")
	}
	return strings.Join(s, ", ")
}
