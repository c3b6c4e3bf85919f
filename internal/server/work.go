package server

import (
	"context"
	"sync"

	"k8s.io/klog/v2"
)

// work is what runs against the API server from inside its process: the
// controllers, the local agent, the kubernetes Service loop. It stops
// before the API server does, so nothing is cut off mid-request or
// mid-watch (each would log a "Failed to watch ... context canceled"),
// and nothing new starts once the stop has begun.
type work struct {
	ctx  context.Context
	stop context.CancelFunc

	mu      sync.Mutex
	stopped bool
	running sync.WaitGroup
}

// newWork is a work group whose context carries parent's values but not
// its cancellation: only stopAndWait ends it.
func newWork(parent context.Context) *work {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	return &work{ctx: ctx, stop: cancel}
}

// goRun runs f(w.ctx) in a goroutine, unless the stop has begun.
func (w *work) goRun(f func(context.Context)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	w.running.Add(1)
	go func() {
		defer w.running.Done()
		f(w.ctx)
	}()
}

// stopAndWait cancels the work's context and waits until all of it has
// returned.
func (w *work) stopAndWait() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	w.stop()
	w.running.Wait()
}

// serverContext is the API server's context: it ends once ctx has ended
// and the work has stopped, so the API server still serves the work's
// last requests (a released lease, flushed events, final pod statuses).
// Before the API server's context ends, beforeServer runs (the server
// stops its own informers).
func (w *work) serverContext(ctx context.Context, beforeServer func()) context.Context {
	serverCtx, stopServer := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		<-ctx.Done()
		logger := klog.FromContext(ctx)
		logger.Info("Stopping: controllers and agent first, then the API server, then etcd")
		w.stopAndWait()
		logger.Info("Controllers and agent stopped; stopping the API server")
		beforeServer()
		stopServer()
	}()
	return serverCtx
}
