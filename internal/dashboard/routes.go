package dashboard

import (
	"io/fs"
	"net/http"
)

// routes are the dashboard's pages, its live stream, its actions and its
// static files. Every path is under Prefix, so `ordo dashboard` proxies
// them unchanged.
func (d *Dashboard) routes() *http.ServeMux {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	m.Handle("GET "+Prefix+"static/", http.StripPrefix(Prefix+"static/", http.FileServerFS(static)))
	m.HandleFunc("GET "+LivePath, d.serveLive)
	m.HandleFunc("GET "+Prefix+"{$}", d.withCache(d.serveCronJobs))
	m.HandleFunc("GET "+Prefix+"cronjobs/{namespace}/{name}", d.withCache(d.serveCronJob))
	m.HandleFunc("GET "+Prefix+"jobs", d.withCache(d.serveJobs))
	m.HandleFunc("GET "+Prefix+"statefulsets", d.withCache(d.serveStatefulSets))
	m.HandleFunc("GET "+Prefix+"deployments", d.withCache(d.serveDeployments))
	m.HandleFunc("GET "+Prefix+"pods", d.withCache(d.servePods))
	m.HandleFunc("GET "+Prefix+"nodes", d.withCache(d.serveNodes))
	m.HandleFunc("GET "+Prefix+"events", d.withCache(d.serveEvents))
	m.HandleFunc("GET "+Prefix+"logs/{namespace}/{pod}", d.serveLogs)
	m.HandleFunc("POST "+Prefix+"actions/{action}/{namespace}/{name}", d.serveAction)
	return m
}

// withCache waits for the informers' first list before serving a page
// (only the first page after a start waits).
func (d *Dashboard) withCache(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !d.cache.wait(r.Context()) {
			http.Error(w, "the dashboard's caches did not fill before the request ended", http.StatusServiceUnavailable)
			return
		}
		h(w, r)
	}
}
