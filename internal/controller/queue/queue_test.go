package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/client-go/util/workqueue"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestDecisionsAreFiled(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Unix(0, 0))
	q := workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Clock: clock})
	defer q.ShutDown()
	ctx := context.Background()
	minute := time.Minute
	decisions := map[string]func() (*time.Duration, error){
		"fail":  func() (*time.Duration, error) { return nil, errors.New("boom") },
		"later": func() (*time.Duration, error) { return &minute, nil },
		"done":  func() (*time.Duration, error) { return nil, nil },
	}
	sync := func(_ context.Context, k string) (*time.Duration, error) { return decisions[k]() }
	for _, k := range []string{"fail", "later", "done"} {
		q.Add(k)
		if !ProcessNext(ctx, q, "test", sync) {
			t.Fatal("queue shut down")
		}
	}
	if q.NumRequeues("fail") != 1 {
		t.Errorf("failed key requeues = %d, want 1 (rate limited)", q.NumRequeues("fail"))
	}
	if q.NumRequeues("later") != 0 || q.NumRequeues("done") != 0 {
		t.Error("successful keys keep back-off state")
	}
	clock.Step(2 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for q.Len() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if q.Len() != 2 { // "fail" after its back-off, "later" after a minute
		t.Errorf("queue length %d after the clock moved, want 2", q.Len())
	}
}

// RunAll serves every loop and returns only when all have stopped.
func TestRunAllServesEveryLoop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 2)
	sync := func(_ context.Context, key string) (*time.Duration, error) { got <- key; return nil, nil }
	a, b := New[string]("a", nil), New[string]("b", nil)
	a.Add("from-a")
	b.Add("from-b")
	done := make(chan struct{})
	go func() {
		RunAll(ctx, 1, Loop[string]{Queue: a, Name: "a", Sync: sync}, Loop[string]{Queue: b, Name: "b", Sync: sync})
		close(done)
	}()
	seen := map[string]bool{<-got: true, <-got: true}
	if !seen["from-a"] || !seen["from-b"] {
		t.Errorf("synced %v, want a key from each loop", seen)
	}
	cancel()
	<-done
	if !a.ShuttingDown() || !b.ShuttingDown() {
		t.Error("RunAll returned with a queue still open")
	}
}
