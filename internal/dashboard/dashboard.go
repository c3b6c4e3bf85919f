// Package dashboard serves ordo's web dashboard under /ui/ on the API
// server: the CronJobs page (what ran, when, how late, what was missed),
// one CronJob's timeline, and the lists a user checks during an incident
// (Jobs, StatefulSets, Deployments, Pods, Nodes, Events), updated live.
//
// It is mounted behind the API server's own authentication and
// authorization filters, so it only ever sees authenticated users that RBAC
// lets reach /ui/. What it shows comes from its own informers, filtered by
// asking the server's authorizer whether the requesting user may list that
// resource in that namespace; what it does (run now, suspend, resume,
// delete a pod, restart a rollout) goes through a loopback client that
// impersonates the user, so RBAC decides, and is recorded as an Event on
// the object.
//
// A browser has no client certificate: `ordo dashboard` (proxy.go) serves
// the same pages on 127.0.0.1 with the caller's kubeconfig credentials.
package dashboard

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Prefix is where the dashboard is served on the API server.
const Prefix = "/ui/"

// LivePath is the Server-Sent Events stream; the API server treats it as
// a long-running request (no 60 s timeout), as it does watches.
const LivePath = Prefix + "live"

// CSRFHeader must be sent with every POST; a cross-site form cannot set
// it, and a cross-site fetch that sets it needs a CORS preflight the
// dashboard never answers.
const CSRFHeader = "X-Ordo-Dashboard"

// Config is what the dashboard needs from the API server.
type Config struct {
	// Loopback is the server's own privileged client configuration:
	// informers read with it as is, actions impersonate the user with it.
	Loopback *rest.Config
	// Authorizer is the API server's: it decides what a user may see.
	Authorizer authorizer.Authorizer
}

// Dashboard is the /ui/ handler.
type Dashboard struct {
	cfg   Config
	mux   *http.ServeMux
	cache *cache
	live  *broker
	pages *pages

	startOnce sync.Once
	wanted    chan struct{}
}

// New builds the dashboard; Run starts its informers on first use.
func New(cfg Config) (*Dashboard, error) {
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	client, err := cacheClient(cfg.Loopback)
	if err != nil {
		return nil, err
	}
	return newDashboard(cfg, p, client), nil
}

func newDashboard(cfg Config, p *pages, client kubernetes.Interface) *Dashboard {
	d := &Dashboard{cfg: cfg, live: newBroker(), pages: p, wanted: make(chan struct{})}
	d.cache = newCache(client, d.live)
	d.mux = d.routes()
	return d
}

// Run waits for the first request, then runs the informers until ctx
// ends. Nothing is watched for a server whose dashboard nobody opens.
func (d *Dashboard) Run(ctx context.Context) {
	select {
	case <-ctx.Done():
		return
	case <-d.wanted:
	}
	d.cache.run(ctx)
}

// ServeHTTP serves /ui/ (the API server's filters have authenticated and
// authorized the request for the non-resource URL already).
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.startOnce.Do(func() { close(d.wanted) })
	if r.URL.Path == strings.TrimSuffix(Prefix, "/") {
		http.Redirect(w, r, Prefix, http.StatusFound)
		return
	}
	d.mux.ServeHTTP(w, r)
}
