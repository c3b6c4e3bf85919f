package podcontrol

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/controller/expectations"
)

// SlowStart creates in batches of 1, 2, 4, … and stops after the first
// batch with a failure; every creation that failed or was skipped is no
// longer expected, so only the successful ones hold the key back.
func TestSlowStartStopsAtTheFirstFailingBatch(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := Control{Expect: expectations.New()}
	var mu sync.Mutex
	var calls []int
	err := c.SlowStart("ns/a", 10, now, func(i int) error {
		mu.Lock()
		calls = append(calls, i)
		mu.Unlock()
		if i == 4 { // in the third batch (3..6)
			return errors.New("quota")
		}
		return nil
	})
	if err == nil || err.Error() != "quota" {
		t.Fatalf("err %v, want quota", err)
	}
	if len(calls) != 7 {
		t.Errorf("%d creations (%v), want 7: batches 1, 2, 4 then stop", len(calls), calls)
	}
	// 6 creations succeeded: seen one by one, the key is satisfied after
	// the sixth only.
	for i := 0; i < 6; i++ {
		if c.Expect.Satisfied("ns/a", now) {
			t.Fatalf("satisfied after %d of 6 observed creations", i)
		}
		c.Expect.CreationObserved("ns/a")
	}
	if !c.Expect.Satisfied("ns/a", now) {
		t.Error("not satisfied once the 6 creations were observed")
	}
}

func TestSlowStartOfNothingExpectsNothing(t *testing.T) {
	c := Control{Expect: expectations.New()}
	if err := c.SlowStart("ns/a", 0, time.Now(), func(int) error { t.Fatal("called"); return nil }); err != nil {
		t.Fatal(err)
	}
	if !c.Expect.Satisfied("ns/a", time.Now()) {
		t.Error("expectations after creating nothing")
	}
}
