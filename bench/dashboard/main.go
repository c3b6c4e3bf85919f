// Command dashboard measures ordo's web dashboard (/ui/) with many
// CronJobs: the time from opening the CronJobs page to its table being
// rendered in headless Chromium, the time from a change in the API to the
// open page showing it (Server-Sent Events, then a re-render), and the
// server's CPU while the page is open, idle and under a stream of changes.
//
// It starts its own `ordo server --no-agent` (testcluster, $ORDO_BIN) in a
// temporary directory, fills it with -cronjobs CronJobs, -jobs Jobs owned
// by them (suspended: no pods) and a run record of -runs slots each, opens
// the page through `ordo dashboard --no-browser` as the admin, and
// removes everything at the end. It never judges the figures; it exits 1
// only when something broke.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

type options struct {
	cronJobs, jobs, runs int
	renders              int
	updates              int
	idle                 time.Duration
	timeout              time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.cronJobs, "cronjobs", 1000, "CronJobs")
	flag.IntVar(&o.jobs, "jobs", 10000, "Jobs, spread over the CronJobs (suspended: no pods)")
	flag.IntVar(&o.runs, "runs", 100, "slots in each CronJob's run record")
	flag.IntVar(&o.renders, "renders", 3, "times the page is opened afresh")
	flag.IntVar(&o.updates, "updates", 5, "live updates measured")
	flag.DurationVar(&o.idle, "idle", 30*time.Second, "how long the open page's server CPU is measured with nothing changing")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long a step may wait")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Printf("ordo dashboard benchmark  %s\nmachine: %+v loadavg=%s\n", time.Now().UTC().Format(time.RFC3339), benchutil.DescribeMachine(), benchutil.LoadAvg())
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "ordo-bench-dashboard-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := testcluster.Start(filepath.Join(dir, "server"), "--no-agent")
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	defer srv.RemoveBridge()
	defer benchutil.StopServer(srv)
	cs, _, err := benchutil.Clients(srv)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := populate(ctx, cs, o); err != nil {
		return err
	}
	benchutil.Progress("# %d CronJobs, %d Jobs, %d records of %d slots created in %.1f s", o.cronJobs, o.jobs, o.cronJobs, o.runs, time.Since(start).Seconds())
	d, stopDashboard, err := startDashboard(srv)
	if err != nil {
		return err
	}
	defer stopDashboard()
	b, err := newBrowser(ctx)
	if err != nil {
		return err
	}
	defer b.close()
	return measure(ctx, o, srv, cs, b, d)
}
