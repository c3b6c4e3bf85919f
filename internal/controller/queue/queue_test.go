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
