package warm

import (
	"context"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/ordo-dev/ordo/internal/runner"
)

// TestClaimWrittenDespiteAFailedWriteIsAnnouncedMissed: the holder claims
// the 12:01 slot 200 ms ahead; the API applies the write but answers with
// an error (as when the server or the etcd leader dies mid-request, or
// the link is cut), so the slot does not run. The next step reads the
// Lease, sees the claim, and names the slot in a MissSchedule event
// instead of losing it silently; it never runs.
func TestClaimWrittenDespiteAFailedWriteIsAnnouncedMissed(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	now := t0.Add(59*time.Second + 800*time.Millisecond)
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "default", CreationTimestamp: metav1.NewTime(t0.Add(-5 * time.Minute))},
		Spec:       batchv1.CronJobSpec{Schedule: "* * * * *"},
	}
	tok := runner.Token{Holder: "tick-runner-abcde", Renewed: now, Duration: 10 * time.Second, LastSlot: t0}
	lease := tok.Onto(&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "tick-runner", Namespace: "default"}})
	cs := fake.NewSimpleClientset(cj, lease)
	answered := false
	cs.PrependReactor("update", "leases", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if answered {
			return false, nil, nil
		}
		answered = true
		if err := cs.Tracker().Update(coordinationv1.SchemeGroupVersion.WithResource("leases"), a.(k8stesting.UpdateAction).GetObject(), "default"); err != nil {
			return true, nil, err
		}
		return true, nil, apierrors.NewServerTimeout(coordinationv1.Resource("leases"), "update", 1)
	})
	var events, ran []string
	l := &loop{cfg: Config{
		Client: cs, Clock: clocktesting.NewFakeClock(now), Local: time.UTC, Namespace: "default", CronJob: "tick", Pod: tok.Holder,
		Run: func(_ context.Context, slot time.Time, _ func()) (int, error) {
			ran = append(ran, stamp(slot))
			return 0, nil
		},
		Event: func(_ *batchv1.CronJob, _, reason, message string) { events = append(events, reason+": "+message) },
	}, runs: map[time.Time]context.CancelFunc{}, runCtx: context.Background()}

	l.step(context.Background()) // claims 12:01; applied, answered with an error
	if len(events) != 0 {
		t.Fatalf("events after the failed write: %v", events)
	}
	l.step(context.Background()) // reads the claim back
	want := "MissSchedule: Missed scheduled time 2026-05-01T12:01:00Z: the write of its claim failed"
	if len(events) != 1 || !strings.HasPrefix(events[0], want) {
		t.Errorf("events = %v, want one starting %q", events, want)
	}
	l.step(context.Background())
	if len(events) != 1 || len(ran) != 0 {
		t.Errorf("events %v (the miss is announced once), runs %v (none)", events, ran)
	}
}

// TestUnsureClaimsSettle: a refused write (conflict) leaves nothing
// unsure; a retry of the same slot adds nothing; an unsure slot stays unsure while reads do not show it, is
// announced once a read shows it claimed by this pod, and is forgotten
// when another pod holds the token.
func TestUnsureClaimsSettle(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	claim := runner.Claim{Run: []time.Time{t0}}
	var u unsureClaims
	u.failedClaim(apierrors.NewConflict(coordinationv1.Resource("leases"), "x", nil), claim, time.Time{}, false)
	if len(u) != 0 {
		t.Fatalf("a conflict left %v unsure", u)
	}
	u.failedClaim(apierrors.NewServerTimeout(coordinationv1.Resource("leases"), "update", 1), claim, t0.Add(time.Second), true)
	u.failedClaim(apierrors.NewServerTimeout(coordinationv1.Resource("leases"), "update", 1), claim, time.Time{}, false) // a retry
	var said []runner.Missed
	announce := func(m runner.Missed) { said = append(said, m) }
	u.settle(runner.Token{Holder: "me", LastSlot: t0.Add(-time.Second)}, "me", announce)
	if len(said) != 0 || len(u) != 2 {
		t.Fatalf("a read without the claim: announced %v, unsure %v", said, u)
	}
	u.settle(runner.Token{Holder: "me", LastSlot: t0}, "me", announce)
	if len(said) != 1 || !said[0].Slot.Equal(t0) || len(u) != 1 {
		t.Fatalf("a read with the first slot claimed: announced %v, unsure %v", said, u)
	}
	u.settle(runner.Token{Holder: "other", LastSlot: t0.Add(time.Second)}, "me", announce)
	if len(said) != 1 || len(u) != 0 {
		t.Fatalf("another holder: announced %v, unsure %v", said, u)
	}
}
