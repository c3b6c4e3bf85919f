package alloc

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/ordo-dev/ordo/internal/testutil"
)

func TestAllocatorHandsOutEachValueOnceAcrossConcurrentCallers(t *testing.T) {
	c := testutil.StartEtcd(t)
	ctx := context.Background()
	// Two allocators on one prefix stand for two API servers.
	r := PortRange{First: 30000, Last: 30019}
	a, b := New(c, "/t/ports/", r), New(c, "/t/ports/", r)
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			alloc := a
			if i%2 == 1 {
				alloc = b
			}
			v, err := alloc.AllocateNext(ctx, "owner")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got[v]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	if len(got) != 20 {
		t.Fatalf("20 allocations gave %d distinct values: %v", len(got), got)
	}
	if _, err := a.AllocateNext(ctx, "owner"); !errors.Is(err, ErrFull) {
		t.Fatalf("full range: %v, want ErrFull", err)
	}
	if err := b.Allocate(ctx, "30005", "x"); !errors.Is(err, ErrAllocated) {
		t.Fatalf("taken value: %v, want ErrAllocated", err)
	}
	if err := a.Release(ctx, "30005"); err != nil {
		t.Fatal(err)
	}
	if v, err := b.AllocateNext(ctx, "owner"); err != nil || v != "30005" {
		t.Fatalf("after release: %q %v, want 30005", v, err)
	}
}
