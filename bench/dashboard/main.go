// Command dashboard measures ordo's web dashboard with many CronJobs: the
// time to first render of the CronJobs page in headless chromium (cold:
// the first request, which starts the dashboard's informers; warm: again),
// the server's time to render the page alone, the time from a CronJob
// change to the open page showing it (the live update), and the server
// CPU the open page costs, idle and with a change a second, against the
// same with the page closed.
//
// It starts its own `ordo server` (testcluster, honouring $ORDO_BIN) with
// --no-agent, fills it with suspended CronJobs, each with a day of run
// record and suspended Jobs (so nothing runs), and opens the page through
// `ordo dashboard` in Debian's chromium. It never judges the figures: it
// exits 1 only when something broke.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

type options struct {
	cronJobs, jobsPer, namespaces, runs int
	samples                             int
	window                              time.Duration
	profile                             string
}

func parseFlags() options {
	var o options
	flag.IntVar(&o.cronJobs, "cronjobs", 1000, "CronJobs (suspended)")
	flag.IntVar(&o.jobsPer, "jobs-per-cronjob", 10, "Jobs (suspended) owned by each CronJob")
	flag.IntVar(&o.namespaces, "namespaces", 10, "namespaces the CronJobs are spread over")
	flag.IntVar(&o.runs, "runs", 288, "run record lines per CronJob (288: a day of 5-minute slots)")
	flag.IntVar(&o.samples, "samples", 5, "renders and live updates measured")
	flag.DurationVar(&o.window, "cpu-window", 30*time.Second, "how long each CPU figure is measured")
	flag.StringVar(&o.profile, "profile", "", "save the server's CPU profile over the open-page-with-changes window to this file")
	flag.Parse()
	return o
}

// result is printed as `RESULT {json}` after the human lines.
type result struct {
	OK      bool              `json:"ok"`
	Error   string            `json:"error,omitempty"`
	Machine benchutil.Machine `json:"machine"`
	Objects objects           `json:"objects"`
	// FirstRenderColdMS is navigate-to-all-rows for the first page load
	// after the server started (the dashboard's informers list then).
	FirstRenderColdMS float64           `json:"first_render_cold_ms"`
	FirstRender       benchutil.Latency `json:"first_render_warm"`
	ServerRender      benchutil.Latency `json:"server_render"`
	PageBytes         int               `json:"page_bytes"`
	LiveUpdate        benchutil.Latency `json:"live_update"`
	CPU               cpuFigures        `json:"server_cpu_s_per_min"`
	Memory            map[string]benchutil.MemSnapshot
}

type objects struct {
	CronJobs int `json:"cronjobs"`
	Jobs     int `json:"jobs"`
	Records  int `json:"run_records"`
}

// cpuFigures are the server's CPU seconds per minute of wall time.
type cpuFigures struct {
	ClosedIdle    float64 `json:"closed_idle"`
	OpenIdle      float64 `json:"open_idle"`
	ClosedChanges float64 `json:"closed_changes_1s"`
	OpenChanges   float64 `json:"open_changes_1s"`
}

func main() { os.Exit(run(parseFlags())) }

func run(o options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res := &result{Machine: benchutil.DescribeMachine(), Memory: map[string]benchutil.MemSnapshot{}}
	benchutil.Progress("machine: %+v", res.Machine)
	err := withServer(func(srv *testcluster.Server) error { return measure(ctx, o, srv, res) })
	if err != nil {
		res.Error = err.Error()
		fmt.Fprintf(os.Stderr, "dashboard: FAILED: %v\n", err)
	}
	res.OK = err == nil
	res.Machine.LoadAvg = benchutil.LoadAvg()
	out, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", out)
	if err != nil {
		return 1
	}
	return 0
}

// withServer runs fn against a fresh server without an agent, and always
// stops it and removes its directory.
func withServer(fn func(*testcluster.Server) error) error {
	dir, err := os.MkdirTemp("", "ordo-dashboard-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := testcluster.Start(dir, "--no-agent")
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	defer srv.RemoveBridge()
	defer benchutil.StopServer(srv)
	return fn(srv)
}
