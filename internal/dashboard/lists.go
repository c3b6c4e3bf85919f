package dashboard

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// listLimit bounds a list page's rows (10,000 Jobs would be a 5 MB page);
// the newest come first and the page says how many it left out.
const listLimit = 500

type listData[T any] struct {
	Filter     filter
	Namespaces []string
	Items      []T
	// Total is how many matched before listLimit.
	Total int
	// May says which actions the user's RBAC allows, by namespace.
	May map[string]bool
}

// newList sorts items newest first and keeps the first listLimit.
func newList[T any](f filter, nss []string, items []T, created func(T) int64) listData[T] {
	sort.SliceStable(items, func(i, j int) bool { return created(items[i]) > created(items[j]) })
	d := listData[T]{Filter: f, Namespaces: nss, Total: len(items), May: map[string]bool{}}
	if len(items) > listLimit {
		items = items[:listLimit]
	}
	d.Items = items
	return d
}

func (d *Dashboard) serveJobs(w http.ResponseWriter, r *http.Request) {
	acc := d.access(r.Context(), userOf(r))
	f := filterOf(r)
	items := listIn(d, acc, kindJobs, f, d.cache.jobs.List, func(ns string, s labels.Selector) ([]*batchv1.Job, error) { return d.cache.jobs.Jobs(ns).List(s) })
	data := newList(f, d.visibleNamespaces(acc, kindJobs), items, func(j *batchv1.Job) int64 { return j.CreationTimestamp.UnixNano() })
	d.render(w, r, "jobs", page{Title: "Jobs", Nav: "jobs", Live: []string{kindJobs}, Data: data})
}

func (d *Dashboard) serveStatefulSets(w http.ResponseWriter, r *http.Request) {
	acc := d.access(r.Context(), userOf(r))
	f := filterOf(r)
	items := listIn(d, acc, kindStatefulSets, f, d.cache.statefulSets.List, func(ns string, s labels.Selector) ([]*appsv1.StatefulSet, error) {
		return d.cache.statefulSets.StatefulSets(ns).List(s)
	})
	data := newList(f, d.visibleNamespaces(acc, kindStatefulSets), items, func(s *appsv1.StatefulSet) int64 { return s.CreationTimestamp.UnixNano() })
	for _, s := range data.Items {
		data.May[s.Namespace] = acc.may("patch", kindStatefulSets, "", s.Namespace)
	}
	d.render(w, r, "statefulsets", page{Title: "StatefulSets", Nav: "statefulsets", Live: []string{kindStatefulSets, kindPods}, Data: data})
}

func (d *Dashboard) serveDeployments(w http.ResponseWriter, r *http.Request) {
	acc := d.access(r.Context(), userOf(r))
	f := filterOf(r)
	items := listIn(d, acc, kindDeployments, f, d.cache.deployments.List, func(ns string, s labels.Selector) ([]*appsv1.Deployment, error) {
		return d.cache.deployments.Deployments(ns).List(s)
	})
	data := newList(f, d.visibleNamespaces(acc, kindDeployments), items, func(s *appsv1.Deployment) int64 { return s.CreationTimestamp.UnixNano() })
	for _, s := range data.Items {
		data.May[s.Namespace] = acc.may("patch", kindDeployments, "", s.Namespace)
	}
	d.render(w, r, "deployments", page{Title: "Deployments", Nav: "deployments", Live: []string{kindDeployments, kindPods}, Data: data})
}

// podRow is a pod with what the Pods page says about it, as kubectl's
// READY, STATUS and RESTARTS columns compute them, and why it is not ready.
type podRow struct {
	*corev1.Pod
	Ready, Status, Why string
	Restarts           int32
}

func (d *Dashboard) servePods(w http.ResponseWriter, r *http.Request) {
	acc := d.access(r.Context(), userOf(r))
	f := filterOf(r)
	node := r.URL.Query().Get("node")
	pods := listIn(d, acc, kindPods, f, d.cache.pods.List, func(ns string, s labels.Selector) ([]*corev1.Pod, error) { return d.cache.pods.Pods(ns).List(s) })
	var rows []podRow
	for _, p := range pods {
		if node == "" || p.Spec.NodeName == node {
			rows = append(rows, newPodRow(p))
		}
	}
	data := newList(f, d.visibleNamespaces(acc, kindPods), rows, func(p podRow) int64 { return p.CreationTimestamp.UnixNano() })
	for _, p := range data.Items {
		data.May[p.Namespace] = acc.may("delete", kindPods, "", p.Namespace)
	}
	d.render(w, r, "pods", page{Title: "Pods", Nav: "pods", Live: []string{kindPods}, Data: data})
}

// newPodRow computes kubectl's columns and a reason the pod is not ready:
// a container's waiting or terminated reason and message, else the Ready
// condition's.
func newPodRow(p *corev1.Pod) podRow {
	row := podRow{Pod: p, Status: string(p.Status.Phase)}
	if p.Status.Reason != "" {
		row.Status = p.Status.Reason
	}
	ready := 0
	for _, c := range p.Status.ContainerStatuses {
		row.Restarts += c.RestartCount
		if c.Ready {
			ready++
		}
		switch {
		case c.State.Waiting != nil && c.State.Waiting.Reason != "":
			row.Status = c.State.Waiting.Reason
			row.Why = strings.TrimSpace(c.Name + ": " + c.State.Waiting.Reason + " " + c.State.Waiting.Message)
		case c.State.Terminated != nil && c.State.Terminated.Reason != "":
			row.Status = c.State.Terminated.Reason
			if c.State.Terminated.ExitCode != 0 {
				row.Why = fmt.Sprintf("%s: %s (exit code %d)", c.Name, c.State.Terminated.Reason, c.State.Terminated.ExitCode)
			}
		}
	}
	if p.DeletionTimestamp != nil {
		row.Status = "Terminating"
	}
	row.Ready = fmt.Sprintf("%d/%d", ready, len(p.Spec.Containers))
	if row.Why == "" && p.Status.Phase != corev1.PodSucceeded {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status != corev1.ConditionTrue {
				row.Why = strings.TrimSpace(c.Reason + " " + c.Message)
			}
		}
	}
	return row
}

type eventsData struct {
	Filter     filter
	Namespaces []string
	Items      []*corev1.Event
	Total      int
}

func (d *Dashboard) serveEvents(w http.ResponseWriter, r *http.Request) {
	acc := d.access(r.Context(), userOf(r))
	f := filterOf(r)
	items := listIn(d, acc, kindEvents, f, d.cache.events.List, func(ns string, s labels.Selector) ([]*corev1.Event, error) { return d.cache.events.Events(ns).List(s) })
	sortEvents(items)
	data := eventsData{Filter: f, Namespaces: d.visibleNamespaces(acc, kindEvents), Total: len(items), Items: items}
	if len(items) > listLimit {
		data.Items = items[:listLimit]
	}
	d.render(w, r, "events", page{Title: "Events", Nav: "events", Live: []string{kindEvents}, Data: data})
}

// sortEvents sorts newest first, by the time kubectl's LAST SEEN shows.
func sortEvents(es []*corev1.Event) {
	sort.SliceStable(es, func(i, j int) bool { return lastSeen(es[i]).After(lastSeen(es[j])) })
}
