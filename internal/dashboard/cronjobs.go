package dashboard

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/cron/cronstats"
	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// cronJobRow is one row of the CronJobs page.
type cronJobRow struct {
	Namespace, Name string
	cronstats.Summary
	// MissedReasons are the last day's missed slots counted by reason
	// ("2 × ConcurrencyPolicyForbid").
	MissedReasons []string
	MayPatch      bool
	MayCreateJob  bool
}

type cronJobsData struct {
	Filter     filter
	Namespaces []string
	Healths    []cronstats.Health
	Rows       []cronJobRow
	// Total is how many CronJobs the user may see before the health filter.
	Total int
}

// serveCronJobs is the home page: every CronJob the user may list, with
// what cronstats answers about it.
func (d *Dashboard) serveCronJobs(w http.ResponseWriter, r *http.Request) {
	acc := d.access(r.Context(), userOf(r))
	f := filterOf(r)
	now := time.Now()
	cjs := listIn(d, acc, kindCronJobs, f, d.cache.cronJobs.List, func(ns string, sel labels.Selector) ([]*batchv1.CronJob, error) {
		return d.cache.cronJobs.CronJobs(ns).List(sel)
	})
	jobs := d.jobsByOwner(acc, cjs)
	data := cronJobsData{Filter: f, Namespaces: d.visibleNamespaces(acc, kindCronJobs), Total: len(cjs),
		Healths: []cronstats.Health{cronstats.Healthy, cronstats.Failing, cronstats.Missing, cronstats.Suspended, cronstats.Unknown}}
	for _, cj := range cjs {
		in := d.cronInput(r, acc, cj, jobs[cj.UID], now)
		row := cronJobRow{Namespace: cj.Namespace, Name: cj.Name, Summary: cronstats.Summarize(in)}
		if f.Health != "" && string(row.Health) != f.Health {
			continue
		}
		row.MissedReasons = countReasons(row.Missed)
		row.MayPatch = acc.may("patch", kindCronJobs, "", cj.Namespace)
		row.MayCreateJob = acc.may("create", kindJobs, "", cj.Namespace)
		data.Rows = append(data.Rows, row)
	}
	sortCronJobs(data.Rows, f.Sort)
	d.render(w, r, "cronjobs", page{Title: "CronJobs", Nav: "cronjobs", Live: []string{kindCronJobs, kindJobs, kindRuns}, Data: data})
}

// jobsByOwner groups the Jobs of the CronJobs' namespaces by the CronJob
// that controls them, for the namespaces where the user may list Jobs.
func (d *Dashboard) jobsByOwner(acc *access, cjs []*batchv1.CronJob) map[types.UID][]batchv1.Job {
	owners := map[types.UID]bool{}
	nss := map[string]bool{}
	for _, cj := range cjs {
		owners[cj.UID] = true
		nss[cj.Namespace] = true
	}
	out := map[types.UID][]batchv1.Job{}
	for ns := range nss {
		if !acc.mayList(kindJobs, ns) {
			continue
		}
		jobs, _ := d.cache.jobs.Jobs(ns).List(labels.Everything())
		for _, j := range jobs {
			for _, ref := range j.OwnerReferences {
				if ref.Controller != nil && *ref.Controller && owners[ref.UID] {
					out[ref.UID] = append(out[ref.UID], *j)
				}
			}
		}
	}
	return out
}

// cronInput is cronstats' input for cj: its Jobs, and its run record when
// the user may read ConfigMaps in its namespace (where the record lives).
func (d *Dashboard) cronInput(r *http.Request, acc *access, cj *batchv1.CronJob, jobs []batchv1.Job, now time.Time) cronstats.Input {
	in := cronstats.Input{CronJob: cj, Jobs: jobs, Now: now}
	if !acc.mayList(kindRuns, cj.Namespace) {
		return in
	}
	cm, err := d.cache.configMaps.ConfigMaps(cj.Namespace).Get(runrecord.ObjectName(cj.Name))
	if err != nil || !runrecord.BelongsTo(cm, cj) {
		return in // none yet, or somebody else's ConfigMap of that name
	}
	runs, err := d.cache.records.get(cm.UID)
	if err != nil {
		klog.FromContext(r.Context()).Info("Unreadable run record", "cronjob", klog.KObj(cj), "err", err)
	}
	in.Runs = runs
	return in
}

// countReasons words the missed slots by reason, most frequent first.
func countReasons(missed []runrecord.Run) []string {
	n := map[string]int{}
	for _, m := range missed {
		n[m.Reason]++
	}
	var out []string
	for reason, c := range n {
		out = append(out, fmt.Sprintf("%d × %s", c, reason))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] > out[j] })
	return out
}

// healthOrder puts what needs attention first.
var healthOrder = map[cronstats.Health]int{cronstats.Failing: 0, cronstats.Missing: 1, cronstats.Unknown: 2, cronstats.Suspended: 3, cronstats.Healthy: 4}

// sortCronJobs sorts by ?sort= (namespace, the default; name; health;
// lag, worst p99 first).
func sortCronJobs(rows []cronJobRow, by string) {
	key := func(r cronJobRow) string { return r.Namespace + "/" + r.Name }
	less := func(a, b cronJobRow) bool { return key(a) < key(b) }
	switch by {
	case "name":
		less = func(a, b cronJobRow) bool { return a.Name+"/"+a.Namespace < b.Name+"/"+b.Namespace }
	case "health":
		less = func(a, b cronJobRow) bool {
			if healthOrder[a.Health] != healthOrder[b.Health] {
				return healthOrder[a.Health] < healthOrder[b.Health]
			}
			return key(a) < key(b)
		}
	case "lag":
		less = func(a, b cronJobRow) bool {
			if a.LagP99 != b.LagP99 {
				return a.LagP99 > b.LagP99
			}
			return key(a) < key(b)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return less(rows[i], rows[j]) })
}

// lastRunWords is a row's last run in a few words.
func lastRunWords(r *runrecord.Run) string {
	if r == nil {
		return "never"
	}
	parts := []string{string(r.Outcome)}
	if r.ExitCode != nil {
		parts = append(parts, fmt.Sprintf("exit %d", *r.ExitCode))
	}
	return strings.Join(parts, ", ")
}
