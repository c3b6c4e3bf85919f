// Command cronfire measures how precisely ordo fires CronJobs and what
// they cost: the lag from a run's scheduled instant to its Job being
// created and to its first pod running, for one CronJob and for many due
// in the same second; and the server's idle CPU and memory with thousands
// of CronJobs registered. (bench/jobthroughput measures Jobs themselves.)
//
// It starts its own `ordo server` (via testcluster, honouring $ORDO_BIN)
// in a temporary directory and removes it at the end. It never judges the
// figures: it exits 1 only when something broke (an API error, a run that
// never happened).
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
	single     int
	burst      int
	idle       int
	idleWindow time.Duration
	pods       bool
	timeout    time.Duration
	// profile prefixes the server's profiles: PREFIX.burst (CPU over the
	// burst), PREFIX.burst-heap, PREFIX.idle (CPU over the idle window)
	// and PREFIX.idle-heap; "" saves none.
	profile string
}

func parseFlags() options {
	var o options
	flag.IntVar(&o.single, "single", 10, "runs observed of one CronJob firing every 2 seconds")
	flag.IntVar(&o.burst, "burst", 1000, "CronJobs all due in the same second")
	flag.IntVar(&o.idle, "idle", 10000, "CronJobs registered (firing yearly) for the idle measurement; 0 skips it")
	flag.DurationVar(&o.idleWindow, "idle-window", 30*time.Second, "how long idle CPU is measured")
	flag.BoolVar(&o.pods, "pods", os.Geteuid() == 0, "run the Jobs' pods (needs root); without, Jobs are created suspended")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Minute, "how long a phase may wait for its runs")
	flag.StringVar(&o.profile, "profile", "", "save the server's CPU and heap profiles (from its /debug/pprof) of the burst and idle phases to this prefix, suffixed .burst, .burst-heap, .idle, .idle-heap")
	flag.Parse()
	return o
}

// result is printed as `RESULT {json}` for machines, after the human lines.
type result struct {
	OK      bool                             `json:"ok"`
	Error   string                           `json:"error,omitempty"`
	Machine benchutil.Machine                `json:"machine"`
	Pods    bool                             `json:"pods"`
	Single  *fireStats                       `json:"single,omitempty"`
	Burst   *fireStats                       `json:"burst,omitempty"`
	Idle    *idleStats                       `json:"idle,omitempty"`
	Memory  map[string]benchutil.MemSnapshot `json:"server_mem"`
}

func main() { os.Exit(run(parseFlags())) }

func run(o options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res := &result{Machine: benchutil.DescribeMachine(), Pods: o.pods, Memory: map[string]benchutil.MemSnapshot{}}
	benchutil.Progress("machine: %+v", res.Machine)
	var err error
	if o.single > 0 || o.burst > 0 {
		err = withServer(o, func(srv *testcluster.Server, cs kubernetes.Interface) error {
			return measureFiring(ctx, o, srv, cs, res)
		})
	}
	// The idle cost gets a server of its own: after a burst, the server
	// still holds its Jobs, pods and events, and the Go heap the burst grew.
	if err == nil && o.idle > 0 {
		err = withServer(o, func(srv *testcluster.Server, cs kubernetes.Interface) error {
			return measureIdlePhase(ctx, o, srv, cs, res)
		})
	}
	if err != nil {
		res.Error = err.Error()
		fmt.Fprintf(os.Stderr, "cronfire: FAILED: %v\n", err)
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
func withServer(o options, fn func(*testcluster.Server, kubernetes.Interface) error) error {
	dir, err := os.MkdirTemp("", "ordo-cronfire-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// The burst runs a pod per CronJob at once: the node must offer more
	// than the kubelet's 110 pods, or the scheduler would queue them.
	args := []string{"--max-pods", "20000"}
	if !o.pods {
		args = append(args, "--no-agent")
	}
	srv, err := testcluster.Start(dir, args...)
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

// snapshotter records the server's memory under a phase name.
func snapshotter(srv *testcluster.Server, res *result) func(string) {
	pid := fmt.Sprint(srv.Pid())
	return func(phase string) {
		if m, err := benchutil.Snapshot(pid, srv.DataDir); err == nil {
			res.Memory[phase] = m
			benchutil.Progress("memory %-12s %s", phase, m)
		}
	}
}

// measureFiring runs the single and burst phases on one server.
func measureFiring(ctx context.Context, o options, srv *testcluster.Server, cs kubernetes.Interface, res *result) error {
	// The phases' watchers end with this server.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	snap := snapshotter(srv, res)
	snap("start")
	if err := waitNode(ctx, cs, o.pods); err != nil {
		return err
	}
	var err error
	if o.single > 0 {
		if res.Single, err = measureSingle(ctx, o, cs); err != nil {
			return err
		}
		snap("single")
	}
	if o.burst > 0 {
		if res.Burst, err = measureBurst(ctx, o, srv, cs); err != nil {
			return err
		}
		snap("burst")
	}
	return nil
}

// measureIdlePhase measures 10,000 registered CronJobs on a fresh server.
func measureIdlePhase(ctx context.Context, o options, srv *testcluster.Server, cs kubernetes.Interface, res *result) error {
	snap := snapshotter(srv, res)
	snap("idle_start")
	if err := waitNode(ctx, cs, o.pods); err != nil {
		return err
	}
	var err error
	if res.Idle, err = measureIdle(ctx, o, srv, cs); err != nil {
		return err
	}
	snap("idle")
	return nil
}
