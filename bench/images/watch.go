package main

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// runWatcher stamps the first time each pod is seen Running with its
// container running.
type runWatcher struct {
	mu      sync.Mutex
	waiters map[string]chan time.Time
	w       watch.Interface
	cancel  context.CancelFunc
}

func watchRunning(ctx context.Context, cs kubernetes.Interface) (*runWatcher, error) {
	l, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	w, err := benchutil.RetryWatch(wctx, l.ResourceVersion, cs.CoreV1().Pods("default").Watch)
	if err != nil {
		cancel()
		return nil, err
	}
	rw := &runWatcher{waiters: map[string]chan time.Time{}, w: w, cancel: cancel}
	go rw.loop()
	return rw, nil
}

// expect registers a pod before it is created, so its event is not missed.
func (rw *runWatcher) expect(name string) <-chan time.Time {
	ch := make(chan time.Time, 1)
	rw.mu.Lock()
	rw.waiters[name] = ch
	rw.mu.Unlock()
	return ch
}

func (rw *runWatcher) loop() {
	for ev := range rw.w.ResultChan() {
		at := time.Now()
		p, ok := ev.Object.(*corev1.Pod)
		if !ok || p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Running == nil {
			continue
		}
		rw.mu.Lock()
		if ch, ok := rw.waiters[p.Name]; ok {
			ch <- at
			delete(rw.waiters, p.Name)
		}
		rw.mu.Unlock()
	}
}

func (rw *runWatcher) stop() {
	rw.cancel()
	rw.w.Stop()
}
