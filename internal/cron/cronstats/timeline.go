package cronstats

import (
	"slices"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/cron/runrecord"
	"github.com/ordo-dev/ordo/internal/runner"
)

// slotSet gathers the runs of each slot from the record, the Jobs and the
// Lease. The record is sorted and holds most slots, so it is taken as it
// is (newest first) and the few Jobs and the Lease are found in it by
// binary search; a page of a thousand CronJobs with full records stays
// cheap. Each run is known by an identity (its Job's name, or "warm") so
// the same run seen in two sources counts once, and two runs of one slot
// count twice.
type slotSet struct {
	slots []Slot // newest first
	added bool   // slots appended out of order
	// ids holds the identities of the runs of the slots that more than
	// one source spoke of, by slot.
	ids map[int64][]string
}

// fromRecord starts the set from the record's runs (oldest first; sorted
// here if not).
func fromRecord(runs []runrecord.Run) *slotSet {
	if !slices.IsSortedFunc(runs, func(a, b runrecord.Run) int { return a.Slot.Compare(b.Slot) }) {
		runs = slices.Clone(runs)
		slices.SortStableFunc(runs, func(a, b runrecord.Run) int { return a.Slot.Compare(b.Slot) })
	}
	s := &slotSet{slots: make([]Slot, 0, len(runs))}
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if n := len(s.slots); n > 0 && s.slots[n-1].Slot.Equal(r.Slot) {
			s.merge(&s.slots[n-1], r) // the record names a slot twice
			continue
		}
		sl := Slot{Run: r}
		if r.Outcome != runrecord.Missed {
			sl.Runs = 1
		}
		s.slots = append(s.slots, sl)
	}
	return s
}

// get finds slot's entry.
func (s *slotSet) get(slot time.Time) *Slot {
	if s.added {
		for i := range s.slots {
			if s.slots[i].Slot.Equal(slot) {
				return &s.slots[i]
			}
		}
		return nil
	}
	i, found := slices.BinarySearchFunc(s.slots, slot, func(e Slot, t time.Time) int { return t.Compare(e.Slot) })
	if !found {
		return nil
	}
	return &s.slots[i]
}

// add merges one observation of a run (or of a missed slot) into its slot.
func (s *slotSet) add(r runrecord.Run, manual bool) {
	if cur := s.get(r.Slot); cur != nil {
		s.merge(cur, r)
		return
	}
	sl := Slot{Run: r, Manual: manual}
	if r.Outcome != runrecord.Missed {
		sl.Runs = 1
	}
	s.slots = append(s.slots, sl)
	s.added = true
}

// merge folds r into cur, counting the distinct runs the slot had.
func (s *slotSet) merge(cur *Slot, r runrecord.Run) {
	if r.Outcome == runrecord.Missed {
		return
	}
	key := cur.Slot.UnixNano()
	ids, ok := s.ids[key]
	if !ok && cur.Outcome != runrecord.Missed {
		ids = []string{runID(cur.Run)}
	}
	if id := runID(r); !slices.Contains(ids, id) {
		ids = append(ids, id)
	}
	if s.ids == nil {
		s.ids = map[int64][]string{}
	}
	s.ids[key] = ids
	cur.Run = mergeRun(cur.Run, r)
	cur.Runs = len(ids)
}

// runID names a run within its slot.
func runID(r runrecord.Run) string {
	if r.Job != "" {
		return "job/" + r.Job
	}
	return "warm"
}

// mergeRun combines two views of a slot: a run beats a Missed mark (the
// slot did run), a finished view beats a Running one (it is newer), and
// fields one view lacks are taken from the other.
func mergeRun(old, seen runrecord.Run) runrecord.Run {
	if old.Outcome == runrecord.Missed {
		return seen
	}
	out := old
	if old.Outcome == runrecord.Running && seen.Outcome != runrecord.Running {
		out.Outcome, out.Reason, out.Finished = seen.Outcome, seen.Reason, seen.Finished
	}
	if out.Started == nil {
		out.Started = seen.Started
	}
	if out.Job == "" {
		out.Job = seen.Job
	}
	if out.Pod == "" {
		out.Pod = seen.Pod
	}
	if out.ExitCode == nil {
		out.ExitCode = seen.ExitCode
	}
	return out
}

// sorted returns the slots newest first.
func (s *slotSet) sorted() []Slot {
	if s.added {
		slices.SortStableFunc(s.slots, func(a, b Slot) int { return b.Slot.Compare(a.Slot) })
		s.added = false
	}
	return s.slots
}

// timeline builds every slot known from the record, the Jobs and the Lease.
func timeline(in Input) []Slot {
	set := fromRecord(in.Runs)
	for i := range in.Jobs {
		if r, manual, ok := jobRun(&in.Jobs[i]); ok {
			set.add(r, manual)
		}
	}
	if in.Lease != nil {
		addLease(set, in.Lease)
	}
	return set.sorted()
}

// jobRun reads a Job as a run: its slot is the scheduled-timestamp
// annotation; a Job without one (kubectl create job --from=cronjob/, the
// dashboard's run now) is a manual run whose slot is its creation.
func jobRun(j *batchv1.Job) (runrecord.Run, bool, bool) {
	started := j.CreationTimestamp.Time
	r := runrecord.Run{Slot: started, Started: &started, Outcome: runrecord.Running, Job: j.Name}
	manual := true
	if v, ok := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; ok {
		slot, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return runrecord.Run{}, false, false
		}
		r.Slot, manual = slot, false
	}
	if started.IsZero() {
		r.Started = nil
	}
	if c := terminal(j); c != nil {
		r.Outcome = runrecord.Succeeded
		if c.Type == batchv1.JobFailed {
			r.Outcome, r.Reason = runrecord.Failed, c.Reason
		}
		r.Finished = finishTime(j, c)
	}
	return r, manual, true
}

// terminal returns the Job's Complete or Failed condition, if true.
func terminal(j *batchv1.Job) *batchv1.JobCondition {
	for i, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

func finishTime(j *batchv1.Job, c *batchv1.JobCondition) *time.Time {
	var t metav1.Time
	switch {
	case c.Type == batchv1.JobComplete && j.Status.CompletionTime != nil:
		t = *j.Status.CompletionTime
	case !c.LastTransitionTime.IsZero():
		t = c.LastTransitionTime
	default:
		return nil
	}
	v := t.Time
	return &v
}

// addLease adds a warm CronJob's newest claimed slot, which the record may
// not hold yet (the controller writes it at most every few seconds): its
// run started when claimed, and succeeded once last-success reaches it
// (or failed once last-failure names it).
func addLease(set *slotSet, l *coordinationv1.Lease) {
	tok := runner.TokenOf(l)
	success := parseStamp(l.Annotations[runner.LastSuccessAnnotation])
	if !success.IsZero() {
		if s := set.get(success); s != nil && s.Outcome == runrecord.Running {
			s.Outcome = runrecord.Succeeded
		}
	}
	if failed, code, ok := runner.ParseFailure(l.Annotations[runner.LastFailureAnnotation]); ok {
		if s := set.get(failed); s != nil && s.Outcome == runrecord.Running {
			s.Outcome, s.Reason, s.ExitCode = runrecord.Failed, "RunFailed", code
		}
	}
	if tok.LastSlot.IsZero() {
		return
	}
	if set.get(tok.LastSlot) != nil {
		return
	}
	r := runrecord.Run{Slot: tok.LastSlot, Outcome: runrecord.Running, Warm: true, Pod: tok.Holder}
	if success.Equal(tok.LastSlot) {
		r.Outcome = runrecord.Succeeded
	}
	set.add(r, false)
}

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
