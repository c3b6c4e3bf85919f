package cronjob

import (
	"context"
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

// fixture is a controller over a fake clientset whose caches the test
// fills by hand, driven by a fake clock.
type fixture struct {
	ctl    *Controller
	client *fake.Clientset
	clock  *clocktesting.FakeClock
	events *record.FakeRecorder
}

func newFixture(t *testing.T, cj *batchv1.CronJob, jobs ...*batchv1.Job) *fixture {
	t.Helper()
	objs := []runtime.Object{cj}
	for _, j := range jobs {
		objs = append(objs, j)
	}
	client := fake.NewClientset(objs...)
	clk := clocktesting.NewFakeClock(t0)
	ctl, err := New(Config{Client: client, Clock: clk, Local: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	events := record.NewFakeRecorder(100)
	ctl.recorder = events
	if err := ctl.cronJobs.GetIndexer().Add(cj); err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if err := ctl.jobs.GetIndexer().Add(j); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{ctl: ctl, client: client, clock: clk, events: events}
}

func (f *fixture) sync(t *testing.T) *time.Duration {
	t.Helper()
	after, err := f.ctl.sync(context.Background(), "default/backup")
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return after
}

func (f *fixture) actions(verb, resource string) []k8stesting.Action {
	var out []k8stesting.Action
	for _, a := range f.client.Actions() {
		if a.GetVerb() == verb && a.GetResource().Resource == resource {
			out = append(out, a)
		}
	}
	return out
}

func (f *fixture) nextEvent() string {
	select {
	case e := <-f.events.Events:
		return e
	default:
		return ""
	}
}

func TestSyncCreatesThenWritesStatusOnTheNextPass(t *testing.T) {
	cj := withLast(newCronJob("* * * * *"), t0)
	f := newFixture(t, cj)
	f.clock.SetTime(at(time.Minute + 3*time.Millisecond))
	if after := f.sync(t); after == nil || *after != 0 {
		t.Fatalf("first pass should requeue at once for status, got %v", after)
	}
	if n := len(f.actions("create", "jobs")); n != 1 {
		t.Fatalf("%d job creates", n)
	}
	if n := len(f.actions("update", "cronjobs")); n != 0 {
		t.Fatalf("status written in the fire pass (%d updates)", n)
	}
	if e := f.nextEvent(); e != "Normal SuccessfulCreate Created job backup-29627281" {
		t.Fatalf("event %q", e)
	}
	// Second pass: the cache has not seen the Job yet; no second create,
	// and status records the slot.
	after := f.sync(t)
	if n := len(f.actions("create", "jobs")); n != 1 {
		t.Fatalf("slot ran twice: %d creates", n)
	}
	updates := f.actions("update", "cronjobs")
	if len(updates) != 1 || updates[0].GetSubresource() != "status" {
		t.Fatalf("status updates: %v", updates)
	}
	got := updates[0].(k8stesting.UpdateAction).GetObject().(*batchv1.CronJob)
	if !got.Status.LastScheduleTime.Time.Equal(at(time.Minute)) {
		t.Fatalf("lastScheduleTime %v", got.Status.LastScheduleTime)
	}
	if after == nil || *after != 2*time.Minute-(time.Minute+3*time.Millisecond) {
		t.Fatalf("timer re-armed for %v, want the next slot", after)
	}
}

func TestSyncTreatsOurExistingJobAsDone(t *testing.T) {
	cj := withLast(newCronJob("* * * * *"), t0)
	// Created just before a crash, so status never recorded it; the
	// restarted controller's cache lists it.
	existing := job(cj, at(time.Minute), "")
	f := newFixture(t, cj, existing)
	f.clock.SetTime(at(time.Minute + time.Second))
	f.sync(t)
	f.sync(t)
	if e := f.nextEvent(); e != "" {
		t.Fatalf("unexpected event %q", e)
	}
	updates := f.actions("update", "cronjobs")
	if len(updates) != 1 {
		t.Fatalf("%d status updates", len(updates))
	}
	st := updates[0].(k8stesting.UpdateAction).GetObject().(*batchv1.CronJob).Status
	if len(st.Active) != 1 || st.Active[0].Name != existing.Name || !st.LastScheduleTime.Time.Equal(at(time.Minute)) {
		t.Fatalf("status %+v", st)
	}
}

func TestSyncRefusesAForeignJobWithOurName(t *testing.T) {
	cj := withLast(newCronJob("* * * * *"), t0)
	foreign := job(cj, at(time.Minute), "")
	foreign.OwnerReferences = nil
	f := newFixture(t, cj)
	if _, err := f.client.BatchV1().Jobs("default").Create(context.Background(), foreign, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.clock.SetTime(at(time.Minute + time.Second))
	f.sync(t)
	if e := f.nextEvent(); e != fmt.Sprintf("Warning FailedCreate Error creating job: job %s already exists and is not controlled by this CronJob", foreign.Name) {
		t.Fatalf("event %q", e)
	}
}

func TestSyncKeepsTheSlotDueWhenCreateFails(t *testing.T) {
	cj := withLast(newCronJob("* * * * *"), t0)
	f := newFixture(t, cj)
	f.client.PrependReactor("create", "jobs", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewServiceUnavailable("etcd is away")
	})
	f.clock.SetTime(at(time.Minute + time.Second))
	if _, err := f.ctl.sync(context.Background(), "default/backup"); err == nil {
		t.Fatal("sync should fail so the key is retried")
	}
	if m := f.ctl.memos.get("default/backup", cj.UID); !m.fired.IsZero() && m.fired.After(t0) {
		t.Fatalf("memo claims the failed slot fired: %v", m.fired)
	}
	f.client.ReactionChain = f.client.ReactionChain[1:]
	f.sync(t)
	if n := len(f.actions("create", "jobs")); n != 2 {
		t.Fatalf("retry did not create the Job (%d creates)", n)
	}
}
