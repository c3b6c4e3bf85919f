package warm

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/runner"
)

// advanceUntil moves the fake clock to target, then on by a millisecond
// at a time (a loop may have armed a short timer meanwhile), until cond.
func advanceUntil(t *testing.T, clock *clocktesting.FakeClock, target time.Time, what string, cond func() bool) {
	t.Helper()
	eventually(t, what, func() bool {
		if cond() {
			return true
		}
		if clock.Now().Before(target) {
			clock.SetTime(target)
		} else {
			clock.Step(time.Millisecond)
		}
		return false
	})
}

func leaseUpdates(client *fake.Clientset) int {
	n := 0
	for _, a := range client.Actions() {
		if a.GetVerb() == "update" && a.GetResource().Resource == "leases" {
			n++
		}
	}
	return n
}

// A CronJob due every second writes its Lease once per slot: each run's
// success rides on the next claim's write. Before, every run wrote its
// success on its own, two writes per slot.
func TestSuccessRidesOnTheNextClaim(t *testing.T) {
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
	defer a.Kill()
	lastSlot := func() string { return leaseOf(t, client).Annotations[runner.LastSlotAnnotation] }
	eventually(t, "slot 4 run and slot 5 claimed", func() bool { return len(rec.ran(at(4000))) == 1 && lastSlot() == stamp(at(5000)) })
	before := leaseUpdates(client)
	for s := 5; s <= 8; s++ {
		slot := at(s * 1000)
		advanceUntil(t, clock, slot, "slot "+stamp(slot)+" to run", func() bool { return len(rec.ran(slot)) == 1 })
		next := slot.Add(time.Second)
		advanceUntil(t, clock, slot.Add(700*time.Millisecond), "slot "+stamp(next)+" claimed", func() bool { return lastSlot() == stamp(next) })
	}
	claims := leaseUpdates(client) - before
	if claims > 4+1 { // four claims, and at most one success that came after its claim
		t.Errorf("%d Lease writes for 4 slots, want one per slot (the successes ride on the claims)", claims)
	}
	if got := leaseOf(t, client).Annotations[runner.LastSuccessAnnotation]; got < stamp(at(7000)) {
		t.Errorf("last success %q, want slot 7 or later on the Lease by the claim of slot 9", got)
	}
}

// A success no claim takes soon (an hourly CronJob) is written at once,
// so lastSuccessfulTime does not wait an hour.
func TestSuccessOfARareScheduleIsWrittenAtOnce(t *testing.T) {
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "default", CreationTimestamp: metav1.Time{Time: at(-1000)}},
		Spec:       batchv1.CronJobSpec{Schedule: "0 * * * *"},
	}
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "tick-runner", Namespace: "default"},
		Spec:       coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To(int32(10))},
	}
	client := fake.NewClientset(cj, lease)
	clock := clocktesting.NewFakeClock(at(-200))
	rec := &record{runs: map[time.Time][]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := Start(ctx, rec.config(client, clock, "a"))
	defer a.Kill()
	advanceUntil(t, clock, at(0), "the 12:00 slot to run", func() bool { return len(rec.ran(at(0))) == 1 })
	eventually(t, "its success on the Lease", func() bool {
		return leaseOf(t, client).Annotations[runner.LastSuccessAnnotation] == stamp(at(0))
	})
}
