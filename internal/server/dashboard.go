package server

import (
	"github.com/ordo-dev/ordo/internal/apiserver"
	"github.com/ordo-dev/ordo/internal/dashboard"
)

// mountDashboard serves the web dashboard under /ui/ on the API server's
// non-REST mux, behind its authentication and authorization filters (the
// bootstrap RBAC grants /ui and /ui/* to system:authenticated).
func mountDashboard(srv *apiserver.Server) (*dashboard.Dashboard, error) {
	d, err := dashboard.New(dashboard.Config{Loopback: srv.Generic.LoopbackClientConfig, Authorizer: srv.Authorizer})
	if err != nil {
		return nil, err
	}
	mux := srv.Generic.Handler.NonGoRestfulMux
	mux.Handle("/ui", d)
	mux.HandlePrefix(dashboard.Prefix, d)
	return d, nil
}
