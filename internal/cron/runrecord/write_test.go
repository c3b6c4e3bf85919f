package runrecord

import (
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func tp(d time.Duration) *time.Time { t := t0.Add(d); return &t }

func TestApplyMergesBySlotAndTrims(t *testing.T) {
	code := int32(3)
	runs := []Run{
		{Slot: t0, Started: tp(time.Second), Outcome: Succeeded, Job: "a"},
		{Slot: t0.Add(time.Minute), Outcome: Missed, Reason: ReasonForbid},
		{Slot: t0.Add(2 * time.Minute), Started: tp(2*time.Minute + time.Second), Outcome: Running, Job: "c"},
	}
	got := Apply(runs, []Run{
		// The held-back slot ran after all.
		{Slot: t0.Add(time.Minute), Started: tp(time.Minute + 5*time.Second), Outcome: Running, Job: "b"},
		// The running one finished: its outcome, end and exit code arrive.
		{Slot: t0.Add(2 * time.Minute), Finished: tp(3 * time.Minute), Outcome: Failed, Reason: "BackoffLimitExceeded", Pod: "c-x", ExitCode: &code},
		// A late Missed mark on a slot that ran changes nothing.
		{Slot: t0, Outcome: Missed, Reason: ReasonDeadline},
		{Slot: t0.Add(3 * time.Minute), Outcome: Missed, Reason: ReasonSuspended},
	}, 3)
	if len(got) != 3 {
		t.Fatalf("kept %d runs, want 3: %+v", len(got), got)
	}
	if !got[0].Slot.Equal(t0.Add(time.Minute)) || got[0].Job != "b" || got[0].Outcome != Running {
		t.Errorf("oldest kept = %+v", got[0])
	}
	if r := got[1]; r.Outcome != Failed || r.Started == nil || r.Job != "c" || r.Pod != "c-x" || *r.ExitCode != 3 {
		t.Errorf("finished run = %+v", r)
	}
	if r := got[2]; r.Outcome != Missed || r.Reason != ReasonSuspended {
		t.Errorf("newest = %+v", r)
	}
	// A finished run never goes back to Running.
	again := Apply(got, []Run{{Slot: t0.Add(2 * time.Minute), Outcome: Running}}, 3)
	if again[1].Outcome != Failed {
		t.Errorf("outcome went back to %s", again[1].Outcome)
	}
	back, err := Decode(Encode(got))
	if err != nil || len(back) != 3 || back[1].Reason != "BackoffLimitExceeded" {
		t.Errorf("round trip: %v %+v", err, back)
	}
}

// TestASecondMissKeepsTheFirstReason: a restarted controller re-reports
// old slots as ServerDown; the reason noted when the slot passed stays.
func TestASecondMissKeepsTheFirstReason(t *testing.T) {
	got := Merge(Run{Slot: t0, Outcome: Missed, Reason: ReasonForbid},
		Run{Slot: t0, Outcome: Missed, Reason: ReasonServerDown})
	if got.Reason != ReasonForbid {
		t.Errorf("reason %q, want %q", got.Reason, ReasonForbid)
	}
}

// TestASubSecondRunNeverEndsBeforeItStarts: the start is noted precisely
// at the Job's creation, the end comes from completionTime in whole
// seconds.
func TestASubSecondRunNeverEndsBeforeItStarts(t *testing.T) {
	started := t0.Add(15 * time.Millisecond)
	got := Merge(Run{Slot: t0, Started: &started, Outcome: Running},
		Run{Slot: t0, Finished: tp(0), Outcome: Succeeded})
	if got.Finished == nil || got.Finished.Before(*got.Started) {
		t.Errorf("finished %v before started %v", got.Finished, got.Started)
	}
}

// TestFullRecordFitsAConfigMap checks the size claim of MaxRuns against
// the longest names a CronJob's runs can have.
func TestFullRecordFitsAConfigMap(t *testing.T) {
	name := strings.Repeat("n", 52) // a CronJob name's limit
	code := int32(137)
	var runs []Run
	for i := 0; i < MaxRuns; i++ {
		slot := t0.Add(time.Duration(i) * time.Second)
		started, finished := slot.Add(123456789), slot.Add(3*time.Second+987654321)
		runs = append(runs, Run{Slot: slot, Started: &started, Finished: &finished, Outcome: Failed,
			Reason: "BackoffLimitExceeded", Job: name + "-1777777777", Pod: name + "-1777777777-abcde", ExitCode: &code})
	}
	size := len(Encode(runs))
	t.Logf("a full record with the longest names is %d bytes (%d per run)", size, size/MaxRuns)
	if size > 1<<20-64<<10 {
		t.Errorf("a full record is %d bytes, too close to the 1 MiB limit", size)
	}
}

func TestRecordReencodesOnlyWhatChanged(t *testing.T) {
	rec := NewRecord([]Run{{Slot: t0, Outcome: Succeeded}, {Slot: t0.Add(time.Second), Outcome: Running}})
	if rec.Apply([]Run{{Slot: t0, Outcome: Succeeded}}, 10) {
		t.Error("an update that changes nothing reported a change")
	}
	if !rec.Apply([]Run{{Slot: t0.Add(time.Second), Outcome: Succeeded}, {Slot: t0.Add(2 * time.Second), Outcome: Running}}, 2) {
		t.Error("no change reported")
	}
	want := Encode(Apply([]Run{{Slot: t0, Outcome: Succeeded}, {Slot: t0.Add(time.Second), Outcome: Running}},
		[]Run{{Slot: t0.Add(time.Second), Outcome: Succeeded}, {Slot: t0.Add(2 * time.Second), Outcome: Running}}, 2))
	if got := rec.Data(); got != want || len(rec.Runs()) != 2 {
		t.Errorf("data %q, want %q", got, want)
	}
}

func TestBelongsToNeedsTheLabelAndThisCronJobAsOwner(t *testing.T) {
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "x", UID: "now"}}
	own := func(label string, uid types.UID) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ObjectName("x"),
			Labels:          map[string]string{Label: label},
			OwnerReferences: []metav1.OwnerReference{{Kind: "CronJob", Name: "x", UID: uid}}}}
	}
	if !BelongsTo(own("x", "now"), cj) {
		t.Error("its own record refused")
	}
	if BelongsTo(own("x", "earlier"), cj) {
		t.Error("the record of an earlier CronJob of that name taken")
	}
	if BelongsTo(own("", "now"), cj) {
		t.Error("a ConfigMap without the label taken")
	}
}
