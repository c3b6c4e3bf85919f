package cronstats

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/cron/runrecord"
	"github.com/ordo-dev/ordo/internal/runner"
)

var anchor = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func cronJob(schedule string) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "default"},
		Spec:       batchv1.CronJobSpec{Schedule: schedule},
	}
}

func at(d time.Duration) *time.Time { t := anchor.Add(d); return &t }

func ran(slot time.Duration, lag time.Duration, o runrecord.Outcome) runrecord.Run {
	r := runrecord.Run{Slot: anchor.Add(slot), Started: at(slot + lag), Outcome: o, Job: "tick-" + anchor.Add(slot).Format("150405")}
	if o != runrecord.Running {
		r.Finished = at(slot + lag + time.Second)
	}
	return r
}

func missed(slot time.Duration, reason string) runrecord.Run {
	return runrecord.Run{Slot: anchor.Add(slot), Outcome: runrecord.Missed, Reason: reason}
}

func job(name string, slot *time.Time, created time.Time, cond batchv1.JobConditionType) batchv1.Job {
	j := batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(created), Annotations: map[string]string{}}}
	if slot != nil {
		j.Annotations[batchv1.CronJobScheduledTimestampAnnotation] = slot.Format(time.RFC3339)
	}
	if cond != "" {
		j.Status.Conditions = []batchv1.JobCondition{{Type: cond, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", LastTransitionTime: metav1.NewTime(created.Add(3 * time.Second))}}
	}
	return j
}

func TestNextRunsMarksDaylightSaving(t *testing.T) {
	zone := "Europe/London"
	cj := cronJob("30 1 * * *")
	cj.Spec.TimeZone = &zone
	// 2026-03-29: clocks go forward at 01:00 GMT; 01:30 does not exist, so
	// ordo runs that slot at 02:00 BST, the end of the gap.
	now := time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC)
	s := Summarize(Input{CronJob: cj, Now: now})
	if s.TimeZone != zone || len(s.Next) != NextCount {
		t.Fatalf("zone %q, next %v", s.TimeZone, s.Next)
	}
	london, _ := time.LoadLocation(zone)
	want := []time.Time{
		time.Date(2026, 3, 28, 1, 30, 0, 0, london),
		time.Date(2026, 3, 29, 2, 0, 0, 0, london),
		time.Date(2026, 3, 30, 1, 30, 0, 0, london),
	}
	for i, w := range want {
		if !s.Next[i].At.Equal(w) {
			t.Errorf("next[%d] = %v, want %v", i, s.Next[i].At, w)
		}
	}
	if s.Next[0].DST != "" || s.Next[2].DST != "" {
		t.Errorf("unexpected DST marks: %+v", s.Next)
	}
	if got := s.Next[1].DST; got != "clocks go forward 1h at Mar 29 01:00" {
		t.Errorf("DST mark = %q", got)
	}
	// Autumn: back at 02:00 BST on 2026-10-25.
	s = Summarize(Input{CronJob: cj, Now: time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC)})
	if got := s.Next[0].DST; got != "clocks go back 1h at Oct 25 02:00; 01:30 occurs twice, runs once" {
		t.Errorf("autumn DST mark = %q (%+v)", got, s.Next)
	}
	if s.Next[1].DST != "" {
		t.Errorf("the change is marked twice: %+v", s.Next)
	}
}

func TestTimelineMergesRecordJobsAndCountsRunsPerSlot(t *testing.T) {
	slot3 := anchor.Add(3 * time.Minute)
	slot4 := anchor.Add(4 * time.Minute)
	slot5 := anchor.Add(5 * time.Minute)
	in := Input{
		CronJob: cronJob("* * * * *"),
		Runs: []runrecord.Run{
			ran(time.Minute, 2*time.Second, runrecord.Succeeded),
			missed(2*time.Minute, runrecord.ReasonForbid),
			// The record saw slot 3 start; its Job has finished since.
			{Slot: slot3, Started: at(3*time.Minute + time.Second), Outcome: runrecord.Running, Job: "tick-3", Pod: "tick-3-abcde"},
		},
		Jobs: []batchv1.Job{
			job("tick-3", &slot3, slot3.Add(time.Second), batchv1.JobFailed),
			// Slot 4 is not in the record yet (the controller was down).
			job("tick-4", &slot4, slot4.Add(500*time.Millisecond), ""),
			// Two Jobs for slot 5: a duplicate the page must show.
			job("tick-5", &slot5, slot5, batchv1.JobComplete),
			job("tick-5b", &slot5, slot5, batchv1.JobComplete),
			// Run now.
			job("tick-manual", nil, anchor.Add(4*time.Minute+30*time.Second), ""),
		},
		Now: anchor.Add(6 * time.Minute),
	}
	got := Timeline(in, 0)
	type row struct {
		slot    time.Time
		outcome runrecord.Outcome
		runs    int
		manual  bool
	}
	want := []row{
		{slot5, runrecord.Succeeded, 2, false},
		{anchor.Add(4*time.Minute + 30*time.Second), runrecord.Running, 1, true},
		{slot4, runrecord.Running, 1, false},
		{slot3, runrecord.Failed, 1, false},
		{anchor.Add(2 * time.Minute), runrecord.Missed, 0, false},
		{anchor.Add(time.Minute), runrecord.Succeeded, 1, false},
	}
	if len(got) != len(want) {
		t.Fatalf("timeline has %d slots, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if !g.Slot.Equal(w.slot) || g.Outcome != w.outcome || g.Runs != w.runs || g.Manual != w.manual {
			t.Errorf("slot %d = %v %s runs=%d manual=%v, want %+v", i, g.Slot, g.Outcome, g.Runs, g.Manual, w)
		}
	}
	// The failed run keeps what only the record knew (its pod) and gains
	// what only the Job knows (its end and reason).
	if s3 := got[3]; s3.Pod != "tick-3-abcde" || s3.Reason != "BackoffLimitExceeded" || s3.Finished == nil {
		t.Errorf("slot 3 = %+v", s3.Run)
	}
	if got := Timeline(in, 2); len(got) != 2 || !got[0].Slot.Equal(slot5) {
		t.Errorf("limit 2: %+v", got)
	}
}

func TestTimelineWarmRunFromLease(t *testing.T) {
	cj := cronJob("*/5 * * * * *")
	cj.Annotations = map[string]string{runner.RunnerAnnotation: runner.WarmRunner}
	holder := "tick-runner-x"
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
			runner.LastSlotAnnotation:    anchor.Add(10 * time.Second).Format(time.RFC3339Nano),
			runner.LastSuccessAnnotation: anchor.Add(5 * time.Second).Format(time.RFC3339Nano),
		}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder},
	}
	in := Input{
		CronJob: cj,
		Runs:    []runrecord.Run{{Slot: anchor.Add(5 * time.Second), Started: at(5 * time.Second), Outcome: runrecord.Running, Warm: true, Pod: holder}},
		Lease:   lease,
		Now:     anchor.Add(11 * time.Second),
	}
	got := Timeline(in, 0)
	if len(got) != 2 {
		t.Fatalf("timeline %+v", got)
	}
	if g := got[0]; !g.Slot.Equal(anchor.Add(10*time.Second)) || g.Outcome != runrecord.Running || !g.Warm || g.Runs != 1 || g.Pod != holder {
		t.Errorf("newest claimed slot = %+v", g)
	}
	if g := got[1]; g.Outcome != runrecord.Succeeded || g.Runs != 1 {
		t.Errorf("slot whose success rode on the next claim = %+v", g)
	}
	if s := Summarize(in); !s.Warm || s.Health != Healthy {
		t.Errorf("summary warm=%v health=%s", s.Warm, s.Health)
	}
}

func TestSummarizeLagStreaksMissedHealth(t *testing.T) {
	var runs []runrecord.Run
	// 100 runs in the last day: lag 1..100 ms; the last three failed.
	for i := 1; i <= 100; i++ {
		o := runrecord.Succeeded
		if i > 97 {
			o = runrecord.Failed
		}
		runs = append(runs, ran(time.Duration(i)*time.Minute, time.Duration(i)*time.Millisecond, o))
	}
	// Older than a day: neither lag nor missed.
	old := []runrecord.Run{ran(-25*time.Hour, time.Hour, runrecord.Succeeded), missed(-25*time.Hour+time.Minute, runrecord.ReasonServerDown)}
	runs = append(old, runs...)
	runs = append(runs, missed(101*time.Minute, runrecord.ReasonDeadline))
	now := anchor.Add(102 * time.Minute)
	s := Summarize(Input{CronJob: cronJob("* * * * *"), Runs: runs, Now: now, Local: time.UTC})
	if s.Description != "every minute" || s.TimeZone != "UTC" {
		t.Errorf("description %q zone %q", s.Description, s.TimeZone)
	}
	if s.LagSamples != 100 || s.LagP50 != 50*time.Millisecond || s.LagP99 != 99*time.Millisecond {
		t.Errorf("lag n=%d p50=%v p99=%v", s.LagSamples, s.LagP50, s.LagP99)
	}
	if s.FailureStreak != 3 || s.SuccessStreak != 0 {
		t.Errorf("streaks success=%d failure=%d", s.SuccessStreak, s.FailureStreak)
	}
	if len(s.Missed) != 1 || s.Missed[0].Reason != runrecord.ReasonDeadline {
		t.Errorf("missed %+v", s.Missed)
	}
	if s.LastRun == nil || !s.LastRun.Slot.Equal(anchor.Add(100*time.Minute)) {
		t.Errorf("last run %+v", s.LastRun)
	}
	if s.Health != Failing {
		t.Errorf("health %s, want Failing", s.Health)
	}
	if len(s.Next) != NextCount || !s.Next[0].At.Equal(anchor.Add(103*time.Minute)) {
		t.Errorf("next %+v", s.Next)
	}
}

func TestHealth(t *testing.T) {
	yes := true
	suspended := cronJob("* * * * *")
	suspended.Spec.Suspend = &yes
	for _, c := range []struct {
		name string
		cj   *batchv1.CronJob
		runs []runrecord.Run
		want Health
	}{
		{"no run yet", cronJob("* * * * *"), nil, Unknown},
		{"running only", cronJob("* * * * *"), []runrecord.Run{ran(0, 0, runrecord.Running)}, Unknown},
		{"succeeded", cronJob("* * * * *"), []runrecord.Run{ran(0, 0, runrecord.Succeeded)}, Healthy},
		{"succeeded then missed", cronJob("* * * * *"), []runrecord.Run{ran(0, 0, runrecord.Succeeded), missed(time.Minute, runrecord.ReasonForbid)}, Missing},
		{"missed, never ran", cronJob("* * * * *"), []runrecord.Run{missed(time.Minute, runrecord.ReasonServerDown)}, Missing},
		{"failed", cronJob("* * * * *"), []runrecord.Run{ran(0, 0, runrecord.Succeeded), ran(time.Minute, 0, runrecord.Failed)}, Failing},
		{"suspended", suspended, []runrecord.Run{ran(0, 0, runrecord.Failed)}, Suspended},
	} {
		s := Summarize(Input{CronJob: c.cj, Runs: c.runs, Now: anchor.Add(time.Hour)})
		if s.Health != c.want {
			t.Errorf("%s: health %s, want %s", c.name, s.Health, c.want)
		}
	}
}
