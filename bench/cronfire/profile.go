package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// cpuProfile saves the server's CPU profile over d to path (from its
// /debug/pprof, which the API server serves to cluster admins), so a
// figure comes with the functions that explain it. It runs beside the
// phase and never fails it.
func cpuProfile(ctx context.Context, srv *testcluster.Server, path string, d time.Duration) {
	if d < time.Second {
		d = time.Second
	}
	saveRaw(ctx, srv, path, fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Seconds())))
}

// heapProfile saves the server's heap profile (in-use and allocated) to
// path, for the RSS figures.
func heapProfile(ctx context.Context, srv *testcluster.Server, path string) {
	saveRaw(ctx, srv, path, "/debug/pprof/heap?gc=1")
}

func saveRaw(ctx context.Context, srv *testcluster.Server, path, url string) {
	if path == "" {
		return
	}
	out, stderr, err := srv.Kubectl(ctx, "", "get", "--raw", url)
	if err == nil {
		err = os.WriteFile(path, []byte(out), 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "profile %s: %v: %s\n", url, err, stderr)
	}
}

// profilePath is the file for one profile, "" when none is asked for.
func profilePath(o options, suffix string) string {
	if o.profile == "" {
		return ""
	}
	return o.profile + suffix
}
