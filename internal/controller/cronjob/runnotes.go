package cronjob

import (
	"slices"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/cron/runrecord"
	"github.com/ordo-dev/ordo/internal/runner"
)

// The run record's notes: what the controller sees of its Jobs and of
// warm runners' Leases becomes runs in the record (runbook.go writes
// them). Nothing here calls the API.

// watchForRecord notes Jobs as they finish and warm runners' claims as
// they are written.
func (c *Controller) watchForRecord() error {
	if err := c.base.Watch(c.jobs, cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(old, cur interface{}) {
			o, ok1 := old.(*batchv1.Job)
			n, ok2 := cur.(*batchv1.Job)
			if !ok1 || !ok2 {
				return
			}
			if _, was := finished(o); !was {
				if _, is := finished(n); is {
					c.noteJob(n, false)
				}
			}
		},
	}); err != nil {
		return err
	}
	return c.base.Watch(c.leases, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.noteLease,
		UpdateFunc: func(_, cur interface{}) { c.noteLease(cur) },
	})
}

// seedFromJobs notes, at the first sync of a CronJob in this process,
// the Jobs it already has: their runs, or their ends, may have happened
// while no controller was writing the record (a crash loses the changes
// not yet written). Jobs created since are noted as they are created,
// with a precise start, and as they finish.
func (c *Controller) seedFromJobs(cj *batchv1.CronJob, jobs []*batchv1.Job) {
	if !c.book.seed(cj) {
		return
	}
	var runs []runrecord.Run
	for _, j := range jobs {
		pods, _ := controllerref.OwnedPods(c.pods.GetIndexer(), j.UID)
		if r, ok := jobRun(j, pods, true); ok {
			runs = append(runs, r)
		}
	}
	c.book.note(cj, runs...)
}

// noteJob notes j's run in its CronJob's record (the start only when
// withStart: a Job's creationTimestamp has whole seconds).
func (c *Controller) noteJob(j *batchv1.Job, withStart bool) {
	cj := c.ownerCronJob(j.Namespace, metav1.GetControllerOf(j))
	if cj == nil {
		return
	}
	pods, _ := controllerref.OwnedPods(c.pods.GetIndexer(), j.UID)
	if r, ok := jobRun(j, pods, withStart); ok {
		c.book.note(cj, r)
	}
}

// ownerCronJob is the cached CronJob ref points to, if it still is that one.
func (c *Controller) ownerCronJob(namespace string, ref *metav1.OwnerReference) *batchv1.CronJob {
	if ref == nil || ref.Kind != cronJobKind.Kind {
		return nil
	}
	cj, err := c.cjLister.CronJobs(namespace).Get(ref.Name)
	if err != nil || cj.UID != ref.UID {
		return nil
	}
	return cj
}

// jobRun is a Job of a CronJob slot as a record entry: its outcome and end
// when finished, and from its newest pod (already in the cache) the pod's
// name and the exit code. A Job without the slot annotation (a manual
// run) is not a slot.
func jobRun(j *batchv1.Job, pods []*corev1.Pod, withStart bool) (runrecord.Run, bool) {
	slot, err := time.Parse(time.RFC3339, j.Annotations[batchv1.CronJobScheduledTimestampAnnotation])
	if err != nil {
		return runrecord.Run{}, false
	}
	r := runrecord.Run{Slot: slot, Outcome: runrecord.Running, Job: j.Name}
	if withStart && !j.CreationTimestamp.IsZero() {
		started := j.CreationTimestamp.Time
		r.Started = &started
	}
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue || (c.Type != batchv1.JobComplete && c.Type != batchv1.JobFailed) {
			continue
		}
		end := c.LastTransitionTime.Time
		if c.Type == batchv1.JobComplete {
			r.Outcome = runrecord.Succeeded
			if j.Status.CompletionTime != nil {
				end = j.Status.CompletionTime.Time
			}
		} else {
			r.Outcome, r.Reason = runrecord.Failed, c.Reason
		}
		if !end.IsZero() {
			r.Finished = &end
		}
	}
	if pod := newestPod(pods); pod != nil {
		r.Pod, r.ExitCode = pod.Name, exitCode(pod)
	}
	return r, true
}

func newestPod(pods []*corev1.Pod) *corev1.Pod {
	var out *corev1.Pod
	for _, p := range pods {
		if out == nil || out.CreationTimestamp.Before(&p.CreationTimestamp) ||
			(out.CreationTimestamp.Equal(&p.CreationTimestamp) && p.Name > out.Name) {
			out = p
		}
	}
	return out
}

// exitCode is the pod's exit code: a container's that failed, else the
// first terminated one's; nil while none has terminated.
func exitCode(p *corev1.Pod) *int32 {
	var out *int32
	for _, s := range p.Status.ContainerStatuses {
		t := s.State.Terminated
		if t == nil {
			continue
		}
		if code := t.ExitCode; out == nil || (*out == 0 && code != 0) {
			out = &code
		}
	}
	return out
}

// startedRun is the record entry of a Job this controller just created.
func startedRun(slot time.Time, job string, at time.Time) runrecord.Run {
	return runrecord.Run{Slot: slot, Started: &at, Outcome: runrecord.Running, Job: job}
}

// noteLease notes a warm CronJob's runs from its runner Lease, which
// every claim writes: the newest claimed slot has started (at its slot
// when claimed ahead, else when claimed), the newest success, which
// rides on a later claim, has succeeded, and the newest failure (written
// as the run ends) failed, with its exit code. The record's writer is the
// controller: node credentials get no write access to it.
func (c *Controller) noteLease(obj interface{}) {
	l, ok := obj.(*coordinationv1.Lease)
	if !ok {
		return
	}
	cj := c.ownerCronJob(l.Namespace, metav1.GetControllerOf(l))
	if cj == nil || !isWarm(cj) {
		return
	}
	runs := leaseRuns(l)
	if tok := runner.TokenOf(l); !tok.LastSlot.IsZero() {
		prev := c.book.claimed(cj, tok.LastSlot)
		if prev.IsZero() {
			prev = lastScheduleTime(cj) // copied from the Lease before this process started
		}
		runs = append(runs, c.warmGap(cj, tok, prev)...)
	}
	c.book.note(cj, runs...)
}

// warmGap reads the slots a claim passed over, from the previous claimed
// slot prev to the new one: under catch-up all they were claimed and run
// together; otherwise they were missed (runner.Due's rules), and why. The
// common case, a claim of the next slot, costs one schedule step.
func (c *Controller) warmGap(cj *batchv1.CronJob, tok runner.Token, prev time.Time) []runrecord.Run {
	if prev.IsZero() || !tok.LastSlot.After(prev) {
		return nil
	}
	sched, err := cron.Parse(cj.Spec.Schedule, cj.Spec.TimeZone, c.local)
	if err != nil || !sched.Next(prev).Before(tok.LastSlot) {
		return nil
	}
	catchUp, _ := cron.CatchUpOf(cj.Annotations)
	p := runner.Policy{Schedule: sched, CatchUp: catchUp}
	if s := cj.Spec.StartingDeadlineSeconds; s != nil {
		d := time.Duration(*s) * time.Second
		p.StartingDeadline = &d
	}
	return passedOver(p, prev, tok, c.startedAt)
}

// passedOver is warmGap's pure part: the slots in (prev, tok.LastSlot)
// (at most the newest 100), except those given back unstarted (the next
// claim accounts for them). since is when this controller started: a
// slot before it was missed with no server running.
func passedOver(p runner.Policy, prev time.Time, tok runner.Token, since time.Time) []runrecord.Run {
	window := p.Schedule.Window(prev, tok.LastSlot.Add(-time.Nanosecond), 100)
	var out []runrecord.Run
	for _, slot := range window.Recent {
		if slices.ContainsFunc(tok.Unstarted, slot.Equal) {
			continue
		}
		if p.CatchUp == cron.CatchUpAll && (p.StartingDeadline == nil || !slot.Before(tok.Renewed.Add(-*p.StartingDeadline))) {
			started := tok.Renewed
			out = append(out, runrecord.Run{Slot: slot, Started: &started, Outcome: runrecord.Running, Warm: true, Pod: tok.Holder})
			continue
		}
		reason := runrecord.ReasonSuperseded
		switch {
		case !since.IsZero() && slot.Before(since):
			reason = runrecord.ReasonServerDown
		case p.StartingDeadline != nil && slot.Before(tok.Renewed.Add(-*p.StartingDeadline)):
			reason = runrecord.ReasonDeadline
		}
		out = append(out, runrecord.Run{Slot: slot, Outcome: runrecord.Missed, Reason: reason, Warm: true})
	}
	return out
}

// leaseRuns reads a runner Lease as record entries.
func leaseRuns(l *coordinationv1.Lease) []runrecord.Run {
	tok := runner.TokenOf(l)
	var out []runrecord.Run
	if !tok.LastSlot.IsZero() {
		started := tok.LastSlot
		if tok.Renewed.After(started) {
			started = tok.Renewed
		}
		out = append(out, runrecord.Run{Slot: tok.LastSlot, Started: &started, Outcome: runrecord.Running, Warm: true, Pod: tok.Holder})
	}
	if s, err := time.Parse(time.RFC3339Nano, l.Annotations[runner.LastSuccessAnnotation]); err == nil {
		out = append(out, runrecord.Run{Slot: s, Outcome: runrecord.Succeeded, Warm: true})
	}
	if s, code, ok := runner.ParseFailure(l.Annotations[runner.LastFailureAnnotation]); ok {
		out = append(out, runrecord.Run{Slot: s, Outcome: runrecord.Failed, Reason: "RunFailed", ExitCode: code, Warm: true})
	}
	return out
}
