package benchutil

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Timings are per-request start/end stamps, indexed by object, and the wall
// time of the whole run.
type Timings struct {
	Start, End []time.Time
	Wall       time.Duration
}

// RunWorkers calls op for every index in [0,n) from w goroutines, stamping
// each call; it stops handing out work at the first error and returns it.
func RunWorkers(ctx context.Context, n, w int, op func(ctx context.Context, i int) error) (Timings, error) {
	t := Timings{Start: make([]time.Time, n), End: make([]time.Time, n)}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		once     sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	begin := time.Now()
	for range w {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t.Start[i] = time.Now()
				err := op(ctx, i)
				t.End[i] = time.Now()
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		})
	}
	wg.Wait()
	t.Wall = time.Since(begin)
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return t, firstErr
}
