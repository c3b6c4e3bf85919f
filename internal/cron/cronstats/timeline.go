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
// Lease; each run is known by an identity (its Job's name, or "warm") so
// the same run seen in two sources counts once, and two runs of one slot
// count twice.
type slotSet struct {
	bySlot map[int64]*Slot
	ids    map[int64]map[string]bool
}

func newSlotSet() *slotSet {
	return &slotSet{bySlot: map[int64]*Slot{}, ids: map[int64]map[string]bool{}}
}

func (s *slotSet) get(slot time.Time) (*Slot, bool) {
	v, ok := s.bySlot[slot.UnixNano()]
	return v, ok
}

// add merges one observation of a run (or of a missed slot) into its slot.
func (s *slotSet) add(r runrecord.Run, manual bool) {
	key := r.Slot.UnixNano()
	cur, ok := s.bySlot[key]
	if !ok {
		cur = &Slot{Run: r, Manual: manual}
		s.bySlot[key] = cur
		s.ids[key] = map[string]bool{}
	} else if r.Outcome != runrecord.Missed {
		cur.Run = mergeRun(cur.Run, r)
	}
	if r.Outcome != runrecord.Missed {
		s.ids[key][runID(r)] = true
	}
	cur.Runs = len(s.ids[key])
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
	out := make([]Slot, 0, len(s.bySlot))
	for _, v := range s.bySlot {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b Slot) int { return b.Slot.Compare(a.Slot) })
	return out
}

// timeline builds every slot known from the record, the Jobs and the Lease.
func timeline(in Input) []Slot {
	set := newSlotSet()
	for _, r := range in.Runs {
		set.add(r, false)
	}
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
		if s, ok := set.get(success); ok && s.Outcome == runrecord.Running {
			s.Outcome = runrecord.Succeeded
		}
	}
	if failed, code, ok := runner.ParseFailure(l.Annotations[runner.LastFailureAnnotation]); ok {
		if s, found := set.get(failed); found && s.Outcome == runrecord.Running {
			s.Outcome, s.Reason, s.ExitCode = runrecord.Failed, "RunFailed", code
		}
	}
	if tok.LastSlot.IsZero() {
		return
	}
	if _, ok := set.get(tok.LastSlot); ok {
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
