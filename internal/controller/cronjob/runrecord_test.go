package cronjob

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/cron/runrecord"
	"github.com/ordo-dev/ordo/internal/runner"
)

// recordOf returns the plan's record entries as "slot-offset reason".
func recordOf(p plan) []string {
	var out []string
	for _, r := range p.record {
		out = append(out, r.Slot.Sub(t0).String()+" "+r.Reason)
	}
	return out
}

func TestDecideRecordsWhySlotsWereMissed(t *testing.T) {
	min := time.Minute
	// Forbid: the slot held back while the previous run goes is recorded
	// as missed for that reason (its run, if it comes, replaces the mark).
	cj := withForbid(withLast(newCronJob("* * * * *"), t0))
	running := job(cj, t0, "")
	p := decideAt(t, active(cj, running), at(min), []*batchv1.Job{running}, memo{fired: t0})
	if got := strings.Join(recordOf(p), ","); got != "1m0s "+runrecord.ReasonForbid {
		t.Errorf("forbid: record %q", got)
	}
	// Held back again at the next sync: recorded once.
	p = decideAt(t, active(withForbid(withLast(newCronJob("* * * * *"), t0)), running), at(min+time.Second), []*batchv1.Job{running}, p.memo)
	if len(p.record) != 0 {
		t.Errorf("forbid again: record %v", recordOf(p))
	}

	// Down from t0 to 5m30s: the slots missed while no controller ran
	// are ServerDown, whatever superseded them.
	in := input{cj: withLast(newCronJob("* * * * *"), t0), now: at(5*min + 30*time.Second), since: at(5*min + 20*time.Second), gone: map[string]bool{}}
	in.sched = mustParse(t, in.cj)
	p = decide(in)
	if got := strings.Join(recordOf(p), ","); got != "1m0s ServerDown,2m0s ServerDown,3m0s ServerDown,4m0s ServerDown" {
		t.Errorf("server down: record %q", got)
	}

	// startingDeadlineSeconds while the controller ran.
	in = input{cj: withDeadline(withLast(newCronJob("* * * * *"), t0), 10), now: at(min + 30*time.Second), since: t0, gone: map[string]bool{}}
	in.sched = mustParse(t, in.cj)
	p = decide(in)
	if got := strings.Join(recordOf(p), ","); got != "1m0s "+runrecord.ReasonDeadline {
		t.Errorf("deadline: record %q", got)
	}

	// Suspended at 30s, resumed at 3m30s: on resume the newest slot runs
	// (as Kubernetes does) and the others passed while suspended.
	sus := withSuspend(withLast(newCronJob("* * * * *"), t0))
	in = input{cj: sus, now: at(30 * time.Second), since: t0, gone: map[string]bool{}}
	in.sched = mustParse(t, sus)
	p = decide(in)
	resumed := withLast(newCronJob("* * * * *"), t0)
	in = input{cj: resumed, now: at(3*min + 30*time.Second), since: t0, memo: p.memo, gone: map[string]bool{}}
	in.sched = mustParse(t, resumed)
	p = decide(in)
	if got := strings.Join(recordOf(p), ","); got != "1m0s Suspended,2m0s Suspended" || len(p.runs) != 1 {
		t.Errorf("suspended: record %q runs %v", got, runSlots(p))
	}
	// Later misses are not blamed on the old suspension.
	in = input{cj: withDeadline(withLast(newCronJob("* * * * *"), at(3*min)), 10), now: at(4*min + 30*time.Second), since: t0, memo: p.memo, gone: map[string]bool{}}
	in.sched = mustParse(t, in.cj)
	if got := strings.Join(recordOf(decide(in)), ","); got != "4m0s "+runrecord.ReasonDeadline {
		t.Errorf("after resume: record %q", got)
	}
}

func TestJobRunReadsOutcomePodAndExitCode(t *testing.T) {
	cj := newCronJob("* * * * *")
	j := job(cj, t0, batchv1.JobFailed)
	j.Status.Conditions[0].Reason = "BackoffLimitExceeded"
	j.Status.Conditions[0].LastTransitionTime = metav1.NewTime(at(7 * time.Second))
	pod := func(name string, created time.Duration, code int32) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(at(created))},
			Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{
				{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}},
				{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}},
			}},
		}
	}
	r, ok := jobRun(j, []*corev1.Pod{pod("a", 0, 1), pod("b", 3*time.Second, 2)}, false)
	if !ok || r.Outcome != runrecord.Failed || r.Reason != "BackoffLimitExceeded" || r.Pod != "b" ||
		r.ExitCode == nil || *r.ExitCode != 2 || r.Finished == nil || !r.Finished.Equal(at(7*time.Second)) || r.Started != nil {
		t.Errorf("failed job: %+v", r)
	}
	done := job(cj, at(time.Minute), batchv1.JobComplete)
	if r, _ := jobRun(done, nil, false); r.Outcome != runrecord.Succeeded || !r.Finished.Equal(at(time.Minute+10*time.Second)) || r.ExitCode != nil {
		t.Errorf("complete job: %+v", r)
	}
	manual := job(cj, t0, "")
	delete(manual.Annotations, batchv1.CronJobScheduledTimestampAnnotation)
	if _, ok := jobRun(manual, nil, false); ok {
		t.Error("a manual Job is not a slot")
	}
}

func TestLeaseRuns(t *testing.T) {
	holder := "backup-runner-x"
	l := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
			runner.LastSlotAnnotation:    at(10 * time.Second).Format(time.RFC3339Nano),
			runner.LastSuccessAnnotation: at(5 * time.Second).Format(time.RFC3339Nano),
		}},
		// Claimed ahead of its slot: the run starts at the slot.
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, RenewTime: &metav1.MicroTime{Time: at(9700 * time.Millisecond)}},
	}
	l.Annotations[runner.LastFailureAnnotation] = runner.FormatFailure(at(4*time.Second), ptr.To(int32(7)))
	runs := leaseRuns(l)
	if f := runs[len(runs)-1]; f.Outcome != runrecord.Failed || !f.Slot.Equal(at(4*time.Second)) || f.ExitCode == nil || *f.ExitCode != 7 {
		t.Errorf("failed warm run %+v", f)
	}
	if len(runs) != 3 || runs[0].Outcome != runrecord.Running || !runs[0].Started.Equal(at(10*time.Second)) || !runs[0].Warm || runs[0].Pod != holder ||
		runs[1].Outcome != runrecord.Succeeded || !runs[1].Slot.Equal(at(5*time.Second)) {
		t.Errorf("lease runs %+v", runs)
	}
}

// bookFixture is a runBook over a fake clientset that counts writes.
type bookFixture struct {
	book   *runBook
	client *fake.Clientset
	clock  *clocktesting.FakeClock
	warned []string
}

func newBook(t *testing.T, max int, objs ...runtime.Object) *bookFixture {
	f := &bookFixture{client: fake.NewClientset(objs...), clock: clocktesting.NewFakeClock(t0)}
	f.book = newRunBook(f.client, f.clock, func(_ *batchv1.CronJob, msg string) { f.warned = append(f.warned, msg) })
	f.book.max = max
	return f
}

func (f *bookFixture) writes() int {
	n := 0
	for _, a := range f.client.Actions() {
		if a.GetResource().Resource == "configmaps" && (a.GetVerb() == "create" || a.GetVerb() == "update") {
			n++
		}
	}
	return n
}

func (f *bookFixture) record(t *testing.T, cj *batchv1.CronJob) (*corev1.ConfigMap, []runrecord.Run) {
	t.Helper()
	cm, err := f.client.CoreV1().ConfigMaps(cj.Namespace).Get(context.Background(), runrecord.ObjectName(cj.Name), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := runrecord.Decode(cm.Data[runrecord.DataKey])
	if err != nil {
		t.Fatal(err)
	}
	return cm, runs
}

func TestRunBookBatchesOwnsAndTrims(t *testing.T) {
	cj := newCronJob("* * * * * *")
	f := newBook(t, 5)
	ctx := context.Background()
	// Eight runs between two flushes: one write.
	for i := 0; i < 8; i++ {
		f.book.note(cj, startedRun(at(time.Duration(i)*time.Second), "backup-"+string(rune('a'+i)), at(time.Duration(i)*time.Second+time.Millisecond)))
	}
	f.book.flush(ctx, true)
	if n := f.writes(); n != 1 {
		t.Errorf("%d writes for one flush, want 1", n)
	}
	cm, runs := f.record(t, cj)
	if cm.Labels[runrecord.Label] != cj.Name || len(cm.OwnerReferences) != 1 || cm.OwnerReferences[0].UID != cj.UID {
		t.Errorf("record metadata: labels %v owners %v", cm.Labels, cm.OwnerReferences)
	}
	if len(runs) != 5 || !runs[0].Slot.Equal(at(3*time.Second)) {
		t.Errorf("record not trimmed to the newest 5: %+v", runs)
	}
	// Nothing new: no write. A finish: one update, read from our copy.
	f.book.flush(ctx, true)
	f.book.note(cj, runrecord.Run{Slot: at(7 * time.Second), Outcome: runrecord.Succeeded, Finished: ptr.To(at(8 * time.Second))})
	f.book.flush(ctx, true)
	if n := f.writes(); n != 2 {
		t.Errorf("%d writes, want 2", n)
	}
	_, runs = f.record(t, cj)
	if last := runs[len(runs)-1]; last.Outcome != runrecord.Succeeded || last.Started == nil || last.Job != "backup-h" {
		t.Errorf("finished run %+v", last)
	}
}

func TestRunBookRetriesAfterAConflict(t *testing.T) {
	cj := newCronJob("* * * * *")
	f := newBook(t, 10)
	ctx := context.Background()
	f.book.note(cj, startedRun(t0, "backup-1", t0))
	f.book.flush(ctx, true)
	// Somebody else updates the record: our next write conflicts, then
	// re-reads and succeeds at the following flush, losing nothing.
	cm, _ := f.record(t, cj)
	cm.Annotations = map[string]string{"touched": "yes"}
	cm.ResourceVersion = "7"
	if _, err := f.client.CoreV1().ConfigMaps(cj.Namespace).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	conflicts := 0
	f.client.PrependReactor("update", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts == 0 {
			conflicts++
			return true, nil, errConflict()
		}
		return false, nil, nil
	})
	f.book.note(cj, startedRun(at(time.Minute), "backup-2", at(time.Minute)))
	f.book.flush(ctx, true)
	f.book.flush(ctx, true)
	cm, runs := f.record(t, cj)
	if len(runs) != 2 || cm.Annotations["touched"] != "yes" {
		t.Errorf("after a conflict: runs %+v annotations %v", runs, cm.Annotations)
	}
}

func TestRunBookNeverOverwritesAConfigMapNotOurs(t *testing.T) {
	cj := newCronJob("* * * * *")
	theirs := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: runrecord.ObjectName(cj.Name), Namespace: cj.Namespace},
		Data:       map[string]string{"runs": "mine"},
	}
	f := newBook(t, 10, theirs)
	f.book.note(cj, startedRun(t0, "backup-1", t0))
	f.book.flush(context.Background(), true)
	f.book.note(cj, startedRun(at(time.Minute), "backup-2", at(time.Minute)))
	f.book.flush(context.Background(), true)
	cm, err := f.client.CoreV1().ConfigMaps(cj.Namespace).Get(context.Background(), theirs.Name, metav1.GetOptions{})
	if err != nil || cm.Data["runs"] != "mine" || f.writes() != 0 {
		t.Errorf("their ConfigMap was written: %v %v", cm.Data, err)
	}
	if len(f.warned) != 1 || !strings.Contains(f.warned[0], "not this CronJob's run record") {
		t.Errorf("warnings %q, want one", f.warned)
	}
}

func TestRunBookFlushesOnStop(t *testing.T) {
	cj := newCronJob("* * * * *")
	f := newBook(t, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.book.run(ctx, make(chan time.Time)) }()
	f.book.note(cj, startedRun(t0, "backup-1", t0))
	cancel()
	<-done
	if _, runs := f.record(t, cj); len(runs) != 1 {
		t.Errorf("record after stop: %+v", runs)
	}
}

func withForbid(cj *batchv1.CronJob) *batchv1.CronJob {
	cj.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
	return cj
}

func mustParse(t *testing.T, cj *batchv1.CronJob) *cron.Schedule {
	t.Helper()
	s, err := cron.Parse(cj.Spec.Schedule, cj.Spec.TimeZone, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func errConflict() error {
	return apierrors.NewConflict(schema.GroupResource{Resource: "configmaps"}, "backup.runs", errors.New("changed"))
}

// TestSyncRecordsRunsAndSeedsFromExistingJobs: a sync notes the Job it
// creates (started when created: its lag) and, the first time it sees a
// CronJob, the Jobs it already had (a crash may have lost their notes);
// a flush writes them in one ConfigMap.
func TestSyncRecordsRunsAndSeedsFromExistingJobs(t *testing.T) {
	cj := withLast(newCronJob("* * * * *"), t0)
	earlier := job(cj, t0, batchv1.JobComplete)
	earlier.CreationTimestamp = metav1.NewTime(t0.Add(time.Second))
	f := newFixture(t, cj, earlier)
	f.clock.SetTime(at(time.Minute + 30*time.Millisecond))
	f.sync(t)
	f.ctl.book.flush(context.Background(), true)
	cm, err := f.client.CoreV1().ConfigMaps("default").Get(context.Background(), runrecord.ObjectName(cj.Name), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := runrecord.Decode(cm.Data[runrecord.DataKey])
	if len(runs) != 2 {
		t.Fatalf("record %+v", runs)
	}
	if r := runs[0]; r.Outcome != runrecord.Succeeded || r.Job != earlier.Name || r.Started == nil || !r.Started.Equal(t0.Add(time.Second)) {
		t.Errorf("seeded run %+v", r)
	}
	if r := runs[1]; r.Outcome != runrecord.Running || !r.Slot.Equal(at(time.Minute)) || r.Started == nil || r.Started.Sub(r.Slot) != 30*time.Millisecond {
		t.Errorf("created run %+v", r)
	}
	// Seeded once: a second sync notes nothing more.
	f.sync(t)
	f.ctl.book.mu.Lock()
	pending := len(f.ctl.book.records["default/backup"].updates)
	f.ctl.book.mu.Unlock()
	if pending != 0 {
		t.Errorf("%d notes after the second sync", pending)
	}
}

// TestRunBookHoldsStartsForTheirEnds: a record whose only news is a run
// that started waits (up to runningHold) for its end, so that the two
// cost one write.
func TestRunBookHoldsStartsForTheirEnds(t *testing.T) {
	cj := newCronJob("*/10 * * * * *")
	f := newBook(t, 10)
	ctx := context.Background()
	f.book.note(cj, startedRun(t0, "backup-1", t0))
	f.book.flush(ctx, false)
	if n := f.writes(); n != 0 {
		t.Fatalf("a start alone was written (%d writes)", n)
	}
	f.book.note(cj, runrecord.Run{Slot: t0, Outcome: runrecord.Succeeded, Finished: ptr.To(at(time.Second))})
	f.book.flush(ctx, false)
	if n := f.writes(); n != 1 {
		t.Fatalf("%d writes for a start and its end, want 1", n)
	}
	// A long run's start is written after runningHold anyway.
	f.book.note(cj, startedRun(at(10*time.Second), "backup-2", at(10*time.Second)))
	f.clock.Step(runningHold - time.Second)
	f.book.flush(ctx, false)
	if n := f.writes(); n != 1 {
		t.Fatalf("written before runningHold: %d writes", n)
	}
	f.clock.Step(time.Second)
	f.book.flush(ctx, false)
	if n := f.writes(); n != 2 {
		t.Fatalf("%d writes after runningHold, want 2", n)
	}
}

// TestRunBookNotesWhileFlushing: notes keep arriving while a flush
// writes; none is lost (run with -race for the locking).
func TestRunBookNotesWhileFlushing(t *testing.T) {
	cj := newCronJob("* * * * * *")
	f := newBook(t, 1000)
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			f.book.note(cj.DeepCopy(), startedRun(at(time.Duration(i)*time.Second), "backup-"+strconv.Itoa(i), at(time.Duration(i)*time.Second)))
		}
	}()
	for i := 0; i < 20; i++ {
		f.book.flush(ctx, true)
	}
	<-done
	f.book.flush(ctx, true)
	if _, runs := f.record(t, cj); len(runs) != 200 {
		t.Errorf("%d runs recorded, want 200", len(runs))
	}
}

// TestPassedOverWarmSlots: a claim that jumps over slots (the runner was
// down) records them missed, with why, or run under catch-up all.
func TestPassedOverWarmSlots(t *testing.T) {
	sched := mustParse(t, newCronJob("* * * * * *"))
	tok := runner.Token{LastSlot: at(10 * time.Second), Renewed: at(10 * time.Second), Holder: "r", Unstarted: []time.Time{at(4 * time.Second)}}
	reasons := func(runs []runrecord.Run) string {
		var out []string
		for _, r := range runs {
			out = append(out, r.Slot.Sub(t0).String()+" "+string(r.Outcome)+" "+r.Reason)
		}
		return strings.Join(out, ",")
	}
	// Catch-up latest: the slots between were superseded, those before
	// the controller started were missed with no server, and slot 4 was
	// given back unstarted (the next claim decides it).
	got := reasons(passedOver(runner.Policy{Schedule: sched}, at(time.Second), tok, at(3*time.Second)))
	if want := "2s Missed ServerDown,3s Missed Superseded,5s Missed Superseded,6s Missed Superseded,7s Missed Superseded,8s Missed Superseded,9s Missed Superseded"; got != want {
		t.Errorf("latest: %s\nwant %s", got, want)
	}
	// A starting deadline of 2 s: slots older than that at the claim were too late.
	got = reasons(passedOver(runner.Policy{Schedule: sched, StartingDeadline: ptr.To(2 * time.Second)}, at(6*time.Second), tok, time.Time{}))
	if want := "7s Missed StartingDeadlineExceeded,8s Missed Superseded,9s Missed Superseded"; got != want {
		t.Errorf("deadline: %s\nwant %s", got, want)
	}
	// Catch-up all: they were claimed together and run.
	got = reasons(passedOver(runner.Policy{Schedule: sched, CatchUp: cron.CatchUpAll}, at(7*time.Second), tok, time.Time{}))
	if want := "8s Running ,9s Running "; got != want {
		t.Errorf("all: %q\nwant %q", got, want)
	}
}
