package main

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// watchStats is the watch-delivery part of the report.
type watchStats struct {
	// AfterReturn is receive time minus the time the UPDATE returned: how
	// much later than the writer a watcher learns of the change.
	AfterReturn benchutil.Latency `json:"lag_after_return"`
	// AfterStart is receive time minus the time the UPDATE was sent: the
	// end-to-end write-to-notification delay.
	AfterStart benchutil.Latency `json:"lag_after_start"`
	Received   int               `json:"received"`
	Missing    int               `json:"missing"`
	Reconnects int               `json:"reconnects"`
}

// watcher receives MODIFIED events and stamps the first arrival per object.
// Only its goroutine writes recv; readers wait for done first.
type watcher struct {
	b          *bench
	rv         string
	recv       []time.Time
	got        int
	reconnects int
	err        error
	done       chan struct{}
}

// startWatch opens the watch from rv and returns once the server has
// answered, so no update is sent before the watcher is listening.
func (b *bench) startWatch(ctx context.Context, rv string) (*watcher, error) {
	w := &watcher{b: b, rv: rv, recv: make([]time.Time, b.n), done: make(chan struct{})}
	wi, err := w.open(ctx)
	if err != nil {
		return nil, err
	}
	go func() {
		defer close(w.done)
		w.err = w.loop(ctx, wi)
	}()
	return w, nil
}

func (w *watcher) open(ctx context.Context) (watch.Interface, error) {
	return w.b.objs.watch(ctx, metav1.ListOptions{
		ResourceVersion: w.rv, AllowWatchBookmarks: true})
}

// loop consumes events until every object has been seen or ctx ends,
// reopening the watch from the last seen resourceVersion if the server
// closes it, so a routine close never shows up as missing events.
func (w *watcher) loop(ctx context.Context, wi watch.Interface) error {
	for {
		err := w.consume(wi)
		wi.Stop()
		if err != nil || w.got == w.b.n || ctx.Err() != nil {
			return err
		}
		w.reconnects++
		if wi, err = w.open(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// consume reads one watch stream until it closes or all events arrived.
func (w *watcher) consume(wi watch.Interface) error {
	for ev := range wi.ResultChan() {
		now := time.Now()
		switch ev.Type {
		case watch.Error:
			return fmt.Errorf("watch error: %w", apierrors.FromObject(ev.Object))
		case watch.Bookmark, watch.Modified:
		default:
			return fmt.Errorf("unexpected watch event %s", ev.Type)
		}
		obj, err := meta.Accessor(ev.Object)
		if err != nil {
			return fmt.Errorf("watch delivered %T", ev.Object)
		}
		w.rv = obj.GetResourceVersion()
		if ev.Type == watch.Modified {
			w.record(obj.GetName(), now)
		}
		if w.got == w.b.n {
			return nil
		}
	}
	return nil
}

func (w *watcher) record(name string, now time.Time) {
	i, ok := objIndex(name)
	if ok && i < len(w.recv) && w.recv[i].IsZero() {
		w.recv[i] = now
		w.got++
	}
}

// stats compares arrival stamps with the update timings; call only after
// done is closed.
func (w *watcher) stats(t benchutil.Timings) watchStats {
	var afterReturn, afterStart []time.Duration
	for i, r := range w.recv {
		if r.IsZero() || t.End[i].IsZero() {
			continue
		}
		afterReturn = append(afterReturn, r.Sub(t.End[i]))
		afterStart = append(afterStart, r.Sub(t.Start[i]))
	}
	return watchStats{
		AfterReturn: benchutil.Summarize(afterReturn),
		AfterStart:  benchutil.Summarize(afterStart),
		Received:    w.got,
		Missing:     w.b.n - w.got,
		Reconnects:  w.reconnects,
	}
}

// updateAndWatch runs the update phase under a watch opened beforehand and
// waits (bounded) for every MODIFIED event. Missing events are reported in
// the stats and as an error.
func (b *bench) updateAndWatch(ctx context.Context, timeout time.Duration) (opStats, watchStats, error) {
	rv, err := b.currentRV(ctx)
	if err != nil {
		return opStats{}, watchStats{}, fmt.Errorf("watch: %w", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.startWatch(wctx, rv)
	if err != nil {
		return opStats{}, watchStats{}, fmt.Errorf("watch: %w", err)
	}
	var t benchutil.Timings
	st, err := b.phase("update", func() ([]time.Duration, time.Duration, error) {
		var uerr error
		t, uerr = b.update(ctx)
		return benchutil.Durations(t.Start, t.End), t.Wall, uerr
	})
	if err == nil {
		err = b.awaitWatch(ctx, w, timeout)
	}
	cancel()
	<-w.done
	ws := w.stats(t)
	if err == nil && w.err != nil {
		err = w.err
	}
	return st, ws, err
}

// awaitWatch waits for the watcher to have seen all N events.
func (b *bench) awaitWatch(ctx context.Context, w *watcher, timeout time.Duration) error {
	select {
	case <-w.done:
		if w.err != nil {
			return w.err
		}
		b.progress("watch            done: all %d events received", b.n)
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("watch: events still missing %s after the last update", timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}
