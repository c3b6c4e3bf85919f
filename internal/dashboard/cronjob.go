package dashboard

import (
	"context"
	"net/http"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/ordo-dev/ordo/internal/cron/cronstats"
	"github.com/ordo-dev/ordo/internal/runner"
)

// timelineLimit is how many slots one CronJob's page shows.
const timelineLimit = 200

// slotRow is one row of a CronJob's timeline.
type slotRow struct {
	cronstats.Slot
	// Lag is Started minus Slot, when the run started.
	Lag *time.Duration
	// Duration is Finished minus Started, when it finished.
	Duration *time.Duration
}

type cronJobData struct {
	CronJob      *batchv1.CronJob
	Summary      cronstats.Summary
	Slots        []slotRow
	Events       []*corev1.Event
	MayPatch     bool
	MayCreateJob bool
	// Log is the newest run's log, read as the user (empty without
	// pods/log access), LogPod the pod it is from.
	Log, LogPod string
}

// serveCronJob is one CronJob: its summary, its timeline of slots with
// their lag, outcome and exactly-once count, its events, and the newest
// run's log.
func (d *Dashboard) serveCronJob(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	u := userOf(r)
	acc := d.access(r.Context(), u)
	if !acc.may("get", kindCronJobs, "", ns) {
		http.Error(w, forbidden(u.GetName(), "get", "cronjobs", "batch", ns, name), http.StatusForbidden)
		return
	}
	cj, err := d.cache.cronJobs.CronJobs(ns).Get(name)
	if err != nil {
		http.Error(w, `cronjobs.batch "`+name+`" not found`, http.StatusNotFound)
		return
	}
	jobs := d.jobsByOwner(acc, []*batchv1.CronJob{cj})[cj.UID]
	in := d.cronInput(r, acc, cj, jobs, time.Now())
	data := cronJobData{CronJob: cj,
		MayPatch: acc.may("patch", kindCronJobs, "", ns), MayCreateJob: acc.may("create", kindJobs, "", ns)}
	in.Lease = d.warmLease(r.Context(), u, cj)
	data.Summary = cronstats.Summarize(in)
	data.Slots = timelineRows(cronstats.Timeline(in, timelineLimit))
	if acc.mayList(kindEvents, ns) {
		data.Events = d.eventsFor(ns, cj.UID, 20)
	}
	if pod := newestPod(data.Slots); pod != "" && acc.may("get", kindPods, "log", ns) {
		data.LogPod = pod
		data.Log = d.podLog(r.Context(), u, ns, pod, 50)
	}
	d.render(w, r, "cronjob", page{Title: "CronJob " + ns + "/" + name, Nav: "cronjobs", Live: []string{kindCronJobs, kindJobs, kindRuns, kindEvents}, Data: data})
}

// timelineRows adds lag and duration to cronstats' slots.
func timelineRows(slots []cronstats.Slot) []slotRow {
	rows := make([]slotRow, 0, len(slots))
	for _, s := range slots {
		row := slotRow{Slot: s}
		if s.Started != nil {
			lag := s.Started.Sub(s.Run.Slot)
			row.Lag = &lag
			if s.Finished != nil {
				// Finished may come from a Job's completionTime, which
				// has whole seconds: never show a negative duration.
				d := max(s.Finished.Sub(*s.Started), 0)
				row.Duration = &d
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// newestPod is the pod of the newest slot that has one.
func newestPod(rows []slotRow) string {
	for _, r := range rows {
		if r.Pod != "" {
			return r.Pod
		}
	}
	return ""
}

// eventsFor are the newest events about the object uid, newest first.
func (d *Dashboard) eventsFor(ns string, uid types.UID, limit int) []*corev1.Event {
	all, _ := d.cache.events.Events(ns).List(labels.Everything())
	var out []*corev1.Event
	for _, e := range all {
		if e.InvolvedObject.UID == uid {
			out = append(out, e)
		}
	}
	sortEvents(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// maxLogBytes bounds a log shown in a page: TailLines alone does not, since
// one line may be hundreds of megabytes, and a CronJob page reads its
// newest run's log at every live refresh. A variable, as PodLogOptions
// takes its address.
var maxLogBytes int64 = 256 << 10

// podLog is the last lines of pod's log (at most maxLogBytes of them), read
// as u; an error is shown in its place.
func (d *Dashboard) podLog(ctx context.Context, u user.Info, ns, pod string, lines int64) string {
	c, err := d.asUser(u)
	if err != nil {
		return err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	b, err := c.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{TailLines: &lines, LimitBytes: &maxLogBytes}).DoRaw(ctx)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// serveLogs is one pod's log as plain text, read as the user (the
// timeline's older runs load theirs on demand).
func (d *Dashboard) serveLogs(w http.ResponseWriter, r *http.Request) {
	ns, pod := r.PathValue("namespace"), r.PathValue("pod")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(d.podLog(r.Context(), userOf(r), ns, pod, 200)))
}

// warmLease is a warm CronJob's runner Lease (<name>-runner, the token its
// runners claim slots with), read as the user: nil for an ordinary
// CronJob or when the user may not read Leases.
func (d *Dashboard) warmLease(ctx context.Context, u user.Info, cj *batchv1.CronJob) *coordinationv1.Lease {
	if cj.Annotations[runner.RunnerAnnotation] != runner.WarmRunner {
		return nil
	}
	c, err := d.asUser(u)
	if err != nil {
		return nil
	}
	l, err := c.CoordinationV1().Leases(cj.Namespace).Get(ctx, cj.Name+"-runner", metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return l
}
