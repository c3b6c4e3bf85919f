package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// groupSize is how many objects share a "group" label value, so a selective
// LIST returns exactly this many out of N.
const groupSize = 10

// bench holds what every phase needs: the clients, the namespace, the
// objects as last written, and the CPU meter.
type bench struct {
	cs      kubernetes.Interface // requests (shared HTTP/2 connection)
	watchCS kubernetes.Interface // the watcher, on its own connection
	ns      string
	n       int
	workers int
	// fullLists and selLists are how many LISTs each list phase times.
	fullLists int
	selLists  int
	objs      objects
	cpu       benchutil.CPUMeter
	progress  func(format string, args ...any)
}

// runWorkers calls op for every index in [0,n) from w goroutines, stamping
// each call; it stops handing out work at the first error and returns it.
func objName(i int) string { return fmt.Sprintf("cm-%06d", i) }

// objIndex recovers the index from a name made by objName.
func objIndex(name string) (int, bool) {
	i, err := strconv.Atoi(strings.TrimPrefix(name, "cm-"))
	return i, err == nil && strings.HasPrefix(name, "cm-")
}

// phase runs fn and charges it with the CPU both processes used meanwhile.
func (b *bench) phase(name string, fn func() ([]time.Duration, time.Duration, error)) (opStats, error) {
	before := b.cpu.Sample()
	ds, wall, err := fn()
	st := newOpStats(ds, wall, b.cpu.Since(before))
	if err != nil {
		return st, fmt.Errorf("%s: %w", name, err)
	}
	b.progress("%-16s done: %d requests in %.1fs", name, len(ds), wall.Seconds())
	return st, nil
}

// create makes N ConfigMaps concurrently and keeps the returned objects so
// the update phase can write them with their resourceVersions.
func (b *bench) create(ctx context.Context) (opStats, error) {
	return b.phase("create", func() ([]time.Duration, time.Duration, error) {
		t, err := benchutil.RunWorkers(ctx, b.n, b.workers, func(ctx context.Context, i int) error {
			return b.objs.create(ctx, i, groupLabels(i))
		})
		return benchutil.Durations(t.Start, t.End), t.Wall, err
	})
}

// get reads every object back once, concurrently.
func (b *bench) get(ctx context.Context) (opStats, error) {
	return b.phase("get", func() ([]time.Duration, time.Duration, error) {
		t, err := benchutil.RunWorkers(ctx, b.n, b.workers, func(ctx context.Context, i int) error {
			return b.objs.get(ctx, i)
		})
		return benchutil.Durations(t.Start, t.End), t.Wall, err
	})
}

// listAll times sequential unpaginated LISTs of the whole namespace, the
// request an informer makes on start and a `kubectl get` makes every time.
// The selector matches all N: the namespace also holds the
// kube-root-ca.crt ConfigMap every namespace gets.
func (b *bench) listAll(ctx context.Context) (opStats, error) {
	return b.listLoop(ctx, "list (all N)", b.fullLists, func(int) (string, int) { return "bench=apilatency", b.n })
}

// listSelected times sequential LISTs whose labelSelector matches
// groupSize objects, showing whether filtering costs scale with N.
func (b *bench) listSelected(ctx context.Context) (opStats, error) {
	groups := (b.n + groupSize - 1) / groupSize
	return b.listLoop(ctx, "list (selector)", b.selLists, func(k int) (string, int) {
		g := k % groups
		return "group=" + strconv.Itoa(g), min(groupSize, b.n-g*groupSize)
	})
}

// listLoop runs count LISTs one after another, checking each returns the
// expected number of items so a wrong answer never passes as a fast one.
func (b *bench) listLoop(ctx context.Context, name string, count int, sel func(k int) (string, int)) (opStats, error) {
	return b.phase(name, func() ([]time.Duration, time.Duration, error) {
		ds := make([]time.Duration, 0, count)
		begin := time.Now()
		for k := range count {
			selector, want := sel(k)
			t0 := time.Now()
			items, _, err := b.objs.list(ctx, metav1.ListOptions{LabelSelector: selector})
			ds = append(ds, time.Since(t0))
			if err != nil {
				return ds, time.Since(begin), err
			}
			if items != want {
				return ds, time.Since(begin), fmt.Errorf("LIST %q returned %d items, want %d", selector, items, want)
			}
		}
		return ds, time.Since(begin), nil
	})
}

// currentRV is the namespace's latest resourceVersion, from which the
// watch starts so it sees exactly the updates and nothing older.
func (b *bench) currentRV(ctx context.Context) (string, error) {
	_, rv, err := b.objs.list(ctx, metav1.ListOptions{Limit: 1})
	return rv, err
}

// update rewrites every object concurrently, recording when each request
// started and returned so watch lag can be measured against both.
func (b *bench) update(ctx context.Context) (benchutil.Timings, error) {
	return benchutil.RunWorkers(ctx, b.n, b.workers, func(ctx context.Context, i int) error {
		return b.objs.update(ctx, i, time.Now().UTC().Format(time.RFC3339Nano))
	})
}
