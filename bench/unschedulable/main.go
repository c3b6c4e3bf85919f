// Command unschedulable measures what pods that no node fits cost the
// server while nothing changes: it starts its own `ordo server` (via
// testcluster, honouring $ORDO_BIN; with its local agent, so there is a
// Ready node), measures the server's CPU over a window with no pods (the
// floor), creates N pods requesting more CPU than the node has, waits
// until every one is reported Unschedulable, lets them settle, and
// measures the server's CPU again over the same window. Kubernetes'
// scheduler leaves such pods alone until a cluster event could make them
// fit, so the second figure should be close to the first.
//
// With -profile DIR it also saves the server's CPU profile of the pending
// window (/debug/pprof/profile) and heap profiles, for `go tool pprof`.
// It never judges the figures: it exits 1 only when something broke.
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
	"k8s.io/client-go/kubernetes"
)

type options struct {
	pods       int
	window     time.Duration
	floor      time.Duration
	settle     time.Duration
	profileDir string
	timeout    time.Duration
}

func parseFlags() options {
	var o options
	flag.IntVar(&o.pods, "pods", 500, "pods created that no node fits")
	flag.DurationVar(&o.window, "window", 60*time.Second, "how long the server's CPU is measured with the pods pending")
	flag.DurationVar(&o.floor, "floor-window", 30*time.Second, "how long the server's CPU is measured before any pod exists; 0 skips it")
	flag.DurationVar(&o.settle, "settle", 15*time.Second, "wait after every pod is Unschedulable before measuring")
	flag.StringVar(&o.profileDir, "profile", "", "directory for the server's CPU and heap profiles (none when empty)")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Minute, "how long the pods may take to be reported Unschedulable")
	flag.Parse()
	return o
}

// result is printed as `RESULT {json}` for machines, after the human lines.
type result struct {
	OK       bool                             `json:"ok"`
	Error    string                           `json:"error,omitempty"`
	Machine  benchutil.Machine                `json:"machine"`
	Pods     int                              `json:"pods"`
	WindowS  float64                          `json:"window_s"`
	FloorPct float64                          `json:"floor_cpu_pct_of_one_core"`
	CPUPct   float64                          `json:"pending_cpu_pct_of_one_core"`
	SetupS   float64                          `json:"create_to_all_unschedulable_s"`
	Events   int                              `json:"failedscheduling_events"`
	Memory   map[string]benchutil.MemSnapshot `json:"server_mem"`
}

func main() { os.Exit(run(parseFlags())) }

func run(o options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res := &result{Machine: benchutil.DescribeMachine(), Pods: o.pods, WindowS: o.window.Seconds(), Memory: map[string]benchutil.MemSnapshot{}}
	benchutil.Progress("machine: %+v", res.Machine)
	err := withServer(func(srv *testcluster.Server, cs kubernetes.Interface) error {
		return measure(ctx, o, srv, cs, res)
	})
	if err != nil {
		res.Error = err.Error()
		fmt.Fprintf(os.Stderr, "unschedulable: FAILED: %v\n", err)
	}
	res.OK = err == nil
	out, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", out)
	if err != nil {
		return 1
	}
	return 0
}

// withServer runs fn against a fresh server and always stops it and
// removes its directory and bridge.
func withServer(fn func(*testcluster.Server, kubernetes.Interface) error) error {
	dir, err := os.MkdirTemp("", "ordo-unschedulable-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := testcluster.Start(dir)
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	defer srv.RemoveBridge()
	defer benchutil.StopServer(srv)
	cs, _, err := benchutil.Clients(srv)
	if err != nil {
		return err
	}
	return fn(srv, cs)
}
