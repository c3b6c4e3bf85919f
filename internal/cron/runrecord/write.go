package runrecord

import (
	"encoding/json"
	"slices"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// MaxRuns is how many slots a record keeps: the newest, older ones are
// dropped as new ones come. A line is about 150 bytes, at most about 330
// with a 52-character CronJob name (its Job and pod names in the line), so
// a full record is 150–330 KiB, well under a ConfigMap's 1 MiB.
const MaxRuns = 1000

// Label marks a record ConfigMap with the CronJob it belongs to; a
// ConfigMap of the record's name without it (and without the CronJob as
// owner) is somebody else's and is never overwritten.
const Label = "ordo.dev/run-record-for"

// Merge folds a newer observation of a slot into what is known of it: a
// run beats a Missed mark (the slot did run after all), a finished
// outcome beats Running (it came later), and a field the newer view lacks
// keeps its old value. A Missed mark on a slot that ran changes nothing,
// and a second Missed mark keeps the first reason: the first was noted
// when the slot passed, a later one may come from a restarted controller
// that no longer knows why (it would say ServerDown for a slot that
// Forbid held back while the server was up).
func Merge(old, seen Run) Run {
	switch {
	case old.Outcome == Missed && seen.Outcome == Missed:
		return old
	case old.Outcome == Missed:
		return seen
	case seen.Outcome == Missed:
		return old
	}
	out := old
	if seen.Outcome != Running || old.Outcome == "" {
		out.Outcome, out.Reason = seen.Outcome, seen.Reason
	}
	if seen.Started != nil && out.Started == nil {
		out.Started = seen.Started
	}
	if seen.Finished != nil {
		out.Finished = seen.Finished
	}
	if out.Started != nil && out.Finished != nil && out.Finished.Before(*out.Started) {
		// A Job's completionTime has whole seconds and the start noted at
		// its creation does not: a run shorter than a second would end
		// before it began.
		end := *out.Started
		out.Finished = &end
	}
	if seen.Job != "" {
		out.Job = seen.Job
	}
	if seen.Pod != "" {
		out.Pod = seen.Pod
	}
	if seen.ExitCode != nil {
		out.ExitCode = seen.ExitCode
	}
	out.Warm = out.Warm || seen.Warm
	return out
}

// Apply merges updates into runs (both oldest first, one entry per slot)
// and keeps the newest max slots.
func Apply(runs, updates []Run, max int) []Run {
	out := slices.Clone(runs)
	for _, u := range updates {
		i, found := slices.BinarySearchFunc(out, u, bySlot)
		if found {
			out[i] = Merge(out[i], u)
		} else {
			out = slices.Insert(out, i, u)
		}
	}
	if max > 0 && len(out) > max {
		out = out[len(out)-max:]
	}
	return out
}

func bySlot(a, b Run) int { return a.Slot.Compare(b.Slot) }

// Encode writes runs as the record's data, one JSON object per line.
func Encode(runs []Run) string { return NewRecord(runs).Data() }

// Record is a decoded record that keeps each run's encoded line, so that
// a write re-encodes only the runs that changed: a full record is a
// thousand lines, written every few seconds for a busy CronJob.
type Record struct {
	runs  []Run
	lines []string
}

// NewRecord holds runs (oldest first, one per slot).
func NewRecord(runs []Run) *Record {
	r := &Record{runs: runs, lines: make([]string, len(runs))}
	for i := range runs {
		r.lines[i] = encodeLine(runs[i])
	}
	return r
}

// Apply merges updates (as the function Apply does) and keeps the newest
// max slots; it reports whether anything changed.
func (r *Record) Apply(updates []Run, max int) bool {
	changed := false
	for _, u := range updates {
		i, found := slices.BinarySearchFunc(r.runs, u, bySlot)
		if !found {
			r.runs = slices.Insert(r.runs, i, u)
			r.lines = slices.Insert(r.lines, i, encodeLine(u))
			changed = true
			continue
		}
		merged := Merge(r.runs[i], u)
		if line := encodeLine(merged); line != r.lines[i] {
			r.runs[i], r.lines[i], changed = merged, line, true
		}
	}
	if max > 0 && len(r.runs) > max {
		drop := len(r.runs) - max
		r.runs, r.lines = slices.Clone(r.runs[drop:]), slices.Clone(r.lines[drop:])
		changed = true
	}
	return changed
}

// Runs are the record's runs, oldest first; the caller must not change them.
func (r *Record) Runs() []Run { return r.runs }

// Data is the record's ConfigMap data.
func (r *Record) Data() string {
	n := 0
	for _, l := range r.lines {
		n += len(l) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for _, l := range r.lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func encodeLine(r Run) string {
	line, _ := json.Marshal(r) // a Run always marshals
	return string(line)
}

// BelongsTo says cm is cj's record: it carries Label with cj's name and is
// owned by this CronJob (by UID, so not by an earlier one of that name).
// Anyone who may create ConfigMaps can make one named ObjectName(cj): the
// controller never writes to it, and readers never show it as cj's history.
func BelongsTo(cm *corev1.ConfigMap, cj *batchv1.CronJob) bool {
	if cm.Labels[Label] != cj.Name {
		return false
	}
	for _, ref := range cm.OwnerReferences {
		if ref.UID == cj.UID {
			return true
		}
	}
	return false
}
