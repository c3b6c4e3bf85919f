package warm

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// record is what the loops under test did: runs by slot and pod, and
// events.
type record struct {
	mu     sync.Mutex
	runs   map[time.Time][]string
	events []string
}

func (r *record) config(client *fake.Clientset, clock *clocktesting.FakeClock, pod string) Config {
	return Config{
		Client: client, Clock: clock, Local: time.UTC,
		Namespace: "default", CronJob: "tick", Pod: pod,
		Run: func(_ context.Context, slot time.Time, started func()) (int, error) {
			started()
			r.mu.Lock()
			r.runs[slot] = append(r.runs[slot], pod)
			r.mu.Unlock()
			return 0, nil
		},
		Event: func(_ *batchv1.CronJob, _, reason, message string) {
			r.mu.Lock()
			r.events = append(r.events, reason+": "+message)
			r.mu.Unlock()
		},
	}
}

func (r *record) ran(slot time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.runs[slot]...)
}

// has says whether an event starts with prefix.
func (r *record) has(prefix string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if strings.HasPrefix(e, prefix) {
			return true
		}
	}
	return false
}

// missed says whether a MissSchedule event names slot.
func (r *record) missed(slot time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if strings.HasPrefix(e, "MissSchedule: Missed scheduled time "+stamp(slot)) {
			return true
		}
	}
	return false
}

// eventually polls cond (the loops run in goroutines); it waits on the
// loops' work, never on a schedule: the schedule runs on the fake clock.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func leaseOf(t *testing.T, client *fake.Clientset) *coordinationv1.Lease {
	t.Helper()
	l, err := client.CoordinationV1().Leases("default").Get(context.Background(), "tick-runner", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// A runner pod force-deleted (its runs killed) after it claimed slot 5
// ahead and before slot 5 started: the next runner must run slot 5 or a
// MissSchedule event must name it; before the fix it was silently lost
// (CI: TestWarmRunnerRunsEachSlotOnceThroughRotationsChangesAndLoss).
func TestKilledRunnerGivesBackTheSlotItClaimedButNeverStarted(t *testing.T) {
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "default", CreationTimestamp: metav1.Time{Time: at(3500)}},
		Spec:       batchv1.CronJobSpec{Schedule: "* * * * * *", ConcurrencyPolicy: batchv1.ForbidConcurrent},
	}
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "tick-runner", Namespace: "default"},
		Spec:       coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To(int32(10))},
	}
	client := fake.NewClientset(cj, lease)
	clock := clocktesting.NewFakeClock(at(4800))
	rec := &record{runs: map[time.Time][]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	a := Start(ctx, rec.config(client, clock, "a"))
	eventually(t, "a to run slot 4 and claim slot 5 ahead", func() bool {
		return len(rec.ran(at(4000))) == 1 && a.Busy() && leaseOf(t, client).Annotations["ordo.dev/last-slot"] == stamp(at(5000))
	})
	a.Kill() // the pod is force-deleted at 4.8 s, before slot 5 starts
	eventually(t, "a to release the token", func() bool { return leaseOf(t, client).Spec.HolderIdentity == nil })
	clock.SetTime(at(5500))
	b := Start(ctx, rec.config(client, clock, "b"))
	defer b.Kill()
	eventually(t, "b to hold the token", func() bool {
		h := leaseOf(t, client).Spec.HolderIdentity
		return h != nil && *h == "b"
	})
	// b either runs slot 5 (it provably never started) or reports it.
	eventually(t, "slot 5 run or reported missed", func() bool { return len(rec.ran(at(5000))) > 0 || rec.missed(at(5000)) })
	if runs := rec.ran(at(5000)); len(runs) > 1 || (len(runs) == 1 && rec.missed(at(5000))) {
		t.Errorf("slot 5 accounted for twice: runs %v, missed %v", runs, rec.missed(at(5000)))
	}
	if runs := rec.ran(at(5000)); len(runs) == 1 && runs[0] != "b" {
		t.Errorf("slot 5 ran in %s after its runs were killed", runs[0])
	}
	t.Logf("slot 5: runs %v, missed %v", rec.ran(at(5000)), rec.missed(at(5000)))
}

// The same kill with the successor taking over two slots later under
// catch-up latest: slot 5 is superseded, and a MissSchedule event names it.
func TestKilledRunnerSlotIsReportedMissedWhenSuperseded(t *testing.T) {
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "default", CreationTimestamp: metav1.Time{Time: at(3500)}},
		Spec:       batchv1.CronJobSpec{Schedule: "* * * * * *"},
	}
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "tick-runner", Namespace: "default"},
		Spec:       coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To(int32(10))},
	}
	client := fake.NewClientset(cj, lease)
	clock := clocktesting.NewFakeClock(at(4800))
	rec := &record{runs: map[time.Time][]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	a := Start(ctx, rec.config(client, clock, "a"))
	eventually(t, "a to claim slot 5 ahead", func() bool {
		return a.Busy() && leaseOf(t, client).Annotations["ordo.dev/last-slot"] == stamp(at(5000))
	})
	a.Kill()
	eventually(t, "a to release the token", func() bool { return leaseOf(t, client).Spec.HolderIdentity == nil })
	clock.SetTime(at(7200))
	b := Start(ctx, rec.config(client, clock, "b"))
	defer b.Kill()
	eventually(t, "b to run slot 7", func() bool { return len(rec.ran(at(7000))) == 1 })
	eventually(t, "slots 5 and 6 reported missed", func() bool { return rec.missed(at(6000)) && rec.missed(at(5000)) })
	if runs := rec.ran(at(5000)); len(runs) > 0 {
		t.Errorf("slot 5 ran in %v, want it superseded by slot 7", runs)
	}
}

// concurrencyPolicy Forbid holds a slot back while the previous run goes,
// and starts it when that run ends, as Kubernetes keeps such a slot due;
// a newer slot held back meanwhile supersedes it, and a MissSchedule
// event names it. Before, the slot was dropped with JobAlreadyActive
// alone, and the loss test counted it lost.
func TestForbidHoldsASlotBackUntilThePreviousRunEnds(t *testing.T) {
	for _, superseded := range []bool{false, true} {
		t.Run(fmt.Sprintf("superseded=%v", superseded), func(t *testing.T) {
			cj := &batchv1.CronJob{
				ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "default", CreationTimestamp: metav1.Time{Time: at(3500)}},
				Spec:       batchv1.CronJobSpec{Schedule: "* * * * * *", ConcurrencyPolicy: batchv1.ForbidConcurrent},
			}
			lease := &coordinationv1.Lease{
				ObjectMeta: metav1.ObjectMeta{Name: "tick-runner", Namespace: "default"},
				Spec:       coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To(int32(10))},
			}
			client := fake.NewClientset(cj, lease)
			clock := clocktesting.NewFakeClock(at(4800))
			rec := &record{runs: map[time.Time][]string{}}
			cfg := rec.config(client, clock, "a")
			slow := make(chan struct{}) // the run of slot 4 goes until closed
			run := cfg.Run
			cfg.Run = func(ctx context.Context, slot time.Time, started func()) (int, error) {
				code, err := run(ctx, slot, started)
				if slot.Equal(at(4000)) {
					<-slow
				}
				return code, err
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			a := Start(ctx, cfg)
			defer a.Kill()
			lastSlot := func() string { return leaseOf(t, client).Annotations["ordo.dev/last-slot"] }
			eventually(t, "slot 4 running and slot 5 claimed ahead", func() bool {
				return len(rec.ran(at(4000))) == 1 && lastSlot() == stamp(at(5000))
			})
			eventually(t, "the loop to wait for slot 5", clock.HasWaiters)
			clock.SetTime(at(5000))
			eventually(t, "slot 5 held back", func() bool { return rec.has("JobAlreadyActive: Not starting the run of slot " + stamp(at(5000))) })
			if superseded {
				eventually(t, "the loop to wait", clock.HasWaiters)
				clock.SetTime(at(5750))
				eventually(t, "slot 6 claimed ahead", func() bool { return lastSlot() == stamp(at(6000)) })
				eventually(t, "the loop to wait for slot 6", clock.HasWaiters)
				clock.SetTime(at(6000))
				eventually(t, "slot 5 reported missed", func() bool { return rec.missed(at(5000)) })
			}
			close(slow)
			want := at(5000)
			if superseded {
				want = at(6000)
			}
			eventually(t, "the held slot to run once the previous run ended", func() bool { return len(rec.ran(want)) == 1 })
			if superseded && len(rec.ran(at(5000))) > 0 {
				t.Errorf("slot 5 ran although slot 6 superseded it")
			}
		})
	}
}
