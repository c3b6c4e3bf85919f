package dashboard

import (
	"net/http"
	"sort"

	"k8s.io/apimachinery/pkg/labels"
)

// filter is a list page's query: ?namespace=&label=&health=&sort=.
type filter struct {
	Namespace string
	Label     string
	Health    string
	Sort      string
	selector  labels.Selector
	// Err is a bad ?label=, worded as kubectl words a bad -l.
	Err string
}

func filterOf(r *http.Request) filter {
	q := r.URL.Query()
	f := filter{Namespace: q.Get("namespace"), Label: q.Get("label"), Health: q.Get("health"), Sort: q.Get("sort"), selector: labels.Everything()}
	if f.Label != "" {
		sel, err := labels.Parse(f.Label)
		if err != nil {
			f.Err = "label: " + err.Error()
		} else {
			f.selector = sel
		}
	}
	return f
}

// namespaces are the namespaces in which the user may list kind, limited
// to only when it is set; all is true when the user may list kind in
// every namespace and only is empty (one cluster-wide list then serves).
func (d *Dashboard) namespaces(acc *access, kind, only string) (all bool, names []string) {
	if only != "" {
		if acc.mayList(kind, only) {
			return false, []string{only}
		}
		return false, nil
	}
	if acc.mayList(kind, "") {
		return true, nil
	}
	nss, _ := d.cache.namespaces.List(labels.Everything())
	for _, ns := range nss {
		if acc.mayList(kind, ns.Name) {
			names = append(names, ns.Name)
		}
	}
	sort.Strings(names)
	return false, names
}

// visibleNamespaces are the namespace names a user may list kind in, for
// the namespace filter's menu.
func (d *Dashboard) visibleNamespaces(acc *access, kind string) []string {
	all, names := d.namespaces(acc, kind, "")
	if !all {
		return names
	}
	nss, _ := d.cache.namespaces.List(labels.Everything())
	for _, ns := range nss {
		names = append(names, ns.Name)
	}
	sort.Strings(names)
	return names
}

// listIn lists with list (a lister's namespaced List) in every namespace
// the user may list kind in, or once cluster-wide with listAll.
func listIn[T any](d *Dashboard, acc *access, kind string, f filter, listAll func(labels.Selector) ([]T, error), list func(ns string, sel labels.Selector) ([]T, error)) []T {
	all, names := d.namespaces(acc, kind, f.Namespace)
	if all {
		out, _ := listAll(f.selector)
		return out
	}
	var out []T
	for _, ns := range names {
		items, _ := list(ns, f.selector)
		out = append(out, items...)
	}
	return out
}
