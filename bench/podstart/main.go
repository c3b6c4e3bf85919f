// Command podstart measures how fast ordo turns pod objects into running
// processes: create → scheduled → Running latency at a steady pace, delete →
// gone during teardown, a burst of concurrent creates, and the server's CPU
// and memory in each phase. It starts its own `ordo server` (via
// testcluster, honouring $ORDO_BIN), checks that deleting pods leaves no
// process or veth behind, and removes the server, its data directory and its
// bridge at the end.
//
// It never judges the figures: it exits 1 only if something broke (an API
// error, a pod that never ran, a leftover process or veth).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

// options are the command-line knobs; defaults take about two and a half minutes on 2 cores.
type options struct {
	pods     int
	burst    int
	creators int
	rate     float64
	timeout  time.Duration
	settle   time.Duration
	profile  string
}

func parseFlags() options {
	var o options
	flag.IntVar(&o.pods, "pods", 200, "pods created at a steady pace, then deleted")
	flag.IntVar(&o.burst, "burst", 50, "pods created as fast as possible in the burst phase")
	flag.IntVar(&o.creators, "creators", 16, "concurrent creators in the burst phase")
	flag.Float64Var(&o.rate, "rate", 2, "creates per second in the steady phase; keep it below what the node sustains (see the burst's pods/s)")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Minute, "how long pods may take to become Running, or to be gone, after the last request")
	flag.DurationVar(&o.settle, "settle", 2*time.Second, "wait after the node is Ready before the idle measurement")
	flag.StringVar(&o.profile, "cpuprofile", "", "write the server's CPU profile over the steady phase to FILE.steady and over the teardown to FILE.teardown")
	flag.Parse()
	return o
}

// result is the machine-readable summary printed as `RESULT {json}`.
type result struct {
	OK        bool                             `json:"ok"`
	Error     string                           `json:"error,omitempty"`
	Pods      int                              `json:"pods"`
	Burst     int                              `json:"burst"`
	Creators  int                              `json:"creators"`
	Rate      float64                          `json:"rate_per_s"`
	Machine   benchutil.Machine                `json:"machine"`
	Steady    *steadyStats                     `json:"steady,omitempty"`
	Teardown  *deleteStats                     `json:"teardown,omitempty"`
	BurstRun  *burstStats                      `json:"burst_run,omitempty"`
	BurstDel  *deleteStats                     `json:"burst_teardown,omitempty"`
	Leftovers map[string]leftovers             `json:"leftovers"`
	ServerCPU map[string]float64               `json:"server_cpu_s"`
	PodCPU    *podCPU                          `json:"cpu_per_pod,omitempty"`
	Server    map[string]benchutil.MemSnapshot `json:"server_mem"`
	StartupS  float64                          `json:"server_startup_s"`
	NodeS     float64                          `json:"node_ready_s"`
	StopS     float64                          `json:"server_stop_s"`
}

func main() { os.Exit(run(parseFlags())) }

// run owns the server's lifetime so that every return path, including an
// interrupt, stops it and removes its data directory and bridge.
func run(o options) int {
	if o.pods < 1 || o.burst < 1 || o.creators < 1 || o.rate <= 0 {
		fmt.Fprintln(os.Stderr, "podstart: -pods, -burst, -creators and -rate must be positive")
		return 2
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "podstart: must run as root: the server creates namespaces, a bridge and veths for its pods")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res := &result{Pods: o.pods, Burst: o.burst, Creators: o.creators, Rate: o.rate,
		Machine: benchutil.DescribeMachine(), Leftovers: map[string]leftovers{},
		ServerCPU: map[string]float64{}, Server: map[string]benchutil.MemSnapshot{}}
	printHeader(res)
	err := withServer(ctx, res, func(srv *testcluster.Server, own *owned) error {
		return measure(ctx, o, srv, own, res)
	})
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("interrupted (%v)", err)
	}
	if err != nil {
		res.Error = err.Error()
		fmt.Fprintf(os.Stderr, "podstart: FAILED: %v\n", err)
	}
	res.OK = err == nil
	printResult(res)
	if err != nil {
		return 1
	}
	return 0
}

// withServer runs fn against a fresh server in a temporary directory and
// stops the server, removes the directory and deletes the bridge however fn
// ends. After the stop it checks that no pod process or veth of this run
// survived the server, which would be an orphan on a user's machine.
func withServer(ctx context.Context, res *result, fn func(*testcluster.Server, *owned) error) (err error) {
	dir, err := os.MkdirTemp("", "ordo-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	t0 := time.Now()
	srv, err := testcluster.Start(dir)
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	own := newOwned(srv.Pid())
	defer func() {
		res.StopS = benchutil.StopServer(srv)
		left := own.leftovers(srv.Bridge, false)
		res.Leftovers["after_stop"] = left
		benchutil.Progress("after_stop       %d pod processes, %d veths left", left.Processes, left.Veths)
		srv.RemoveBridge()
		if err == nil {
			err = left.err("after the server stopped")
		}
	}()
	res.StartupS = benchutil.Round3(time.Since(t0).Seconds())
	benchutil.Progress("server pid %d on %s ready in %.2fs (data dir %s, bridge %s)", srv.Pid(), srv.Listen, res.StartupS, dir, srv.Bridge)
	if err := fn(srv, own); err != nil {
		if ctx.Err() == nil {
			fmt.Printf("server log tail (%s):\n%s\n", srv.LogPath(), logTail(srv.LogPath()))
		}
		return err
	}
	return nil
}

// measure runs the phases in order and fills res as it goes, so a failure
// still reports the phases that completed.
func measure(ctx context.Context, o options, srv *testcluster.Server, own *owned, res *result) error {
	b, err := newBench(srv, o, own)
	if err != nil {
		return err
	}
	defer func() { printReport(res) }()
	t0 := time.Now()
	node, err := b.waitNodeReady(ctx, time.Minute)
	if err != nil {
		return err
	}
	res.NodeS = benchutil.Round3(time.Since(t0).Seconds())
	benchutil.Progress("node %s Ready %.2fs after the server", node, res.NodeS)
	idleFrom, idleStart := readTreeCPU(srv.Pid()), time.Now()
	if err := benchutil.Sleep(ctx, o.settle); err != nil {
		return err
	}
	b.ledger.idleFrom, b.ledger.idleTo, b.ledger.idleWall = idleFrom, readTreeCPU(srv.Pid()), time.Since(idleStart)
	b.mem(res, "idle")
	if err := b.setup(ctx); err != nil {
		return err
	}
	defer b.w.stop()
	return b.phases(ctx, res)
}

// phases runs steady creation, teardown, burst and burst teardown,
// checking for leftovers after each teardown.
func (b *bench) phases(ctx context.Context, res *result) error {
	var err error
	pid := b.srv.Pid()
	b.ledger.steadyFrom = readTreeCPU(pid)
	lifeStart := time.Now()
	prof := &profiler{prefix: b.o.profile}
	defer prof.wait()
	prof.start(ctx, b, "steady", time.Duration(float64(b.o.pods)/b.o.rate*float64(time.Second)))
	b.phase(res, "steady", func() { res.Steady, err = b.steady(ctx) })
	if err != nil {
		return err
	}
	b.ledger.steadyTo, b.ledger.livePods = readTreeCPU(pid), b.own.liveCPU()
	b.mem(res, "steady_running")
	prof.wait()
	prof.start(ctx, b, "teardown", 2*time.Second+time.Duration(b.o.pods)*time.Second/25)
	b.phase(res, "teardown", func() { res.Teardown, err = b.teardown(ctx, "teardown", b.steadyNames) })
	if err != nil {
		return err
	}
	if err := b.checkLeftovers(res, "after_teardown"); err != nil {
		return err
	}
	// After the leftover check: every shim of the phase has been reaped.
	b.ledger.teardownTo, b.ledger.lifeWall = readTreeCPU(pid), time.Since(lifeStart)
	res.PodCPU = b.ledger.podCPU(len(b.steadyNames))
	b.phase(res, "burst", func() { res.BurstRun, err = b.burst(ctx) })
	if err != nil {
		return err
	}
	b.mem(res, "burst_running")
	b.phase(res, "burst_teardown", func() { res.BurstDel, err = b.teardown(ctx, "burst teardown", b.burstNames) })
	if err != nil {
		return err
	}
	b.mem(res, "end")
	return b.checkLeftovers(res, "after_burst_teardown")
}

// phase runs fn and charges it with the server CPU used meanwhile.
func (b *bench) phase(res *result, name string, fn func()) {
	before := b.cpu.Sample()
	fn()
	res.ServerCPU[name] = benchutil.Round3(b.cpu.Since(before).Server)
}

// mem records the server's memory under label.
func (b *bench) mem(res *result, label string) {
	if m, err := benchutil.Snapshot(strconv.Itoa(b.srv.Pid()), b.srv.DataDir); err == nil {
		res.Server[label] = m
	}
}

// checkLeftovers counts pod processes and veths that should be gone now.
func (b *bench) checkLeftovers(res *result, label string) error {
	left := b.own.leftovers(b.srv.Bridge, true)
	res.Leftovers[label] = left
	benchutil.Progress("%-16s %d pod processes, %d veths left", label, left.Processes, left.Veths)
	return left.err(label)
}

// waitNodeReady polls until some Node reports Ready, since the agent
// registers shortly after the API serves and pods cannot start before.
func (b *bench) waitNodeReady(ctx context.Context, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		nodes, err := b.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil && ctx.Err() != nil {
			return "", err
		}
		if err == nil {
			if name := readyNode(nodes.Items); name != "" {
				return name, nil
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no Node Ready after %s (last error: %v)", timeout, err)
		}
		if err := benchutil.Sleep(ctx, 100*time.Millisecond); err != nil {
			return "", err
		}
	}
}

func readyNode(nodes []corev1.Node) string {
	for _, n := range nodes {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				return n.Name
			}
		}
	}
	return ""
}

func printResult(res *result) {
	data, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", data)
}

func logTail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 3000 {
		data = data[len(data)-3000:]
	}
	return string(data)
}
