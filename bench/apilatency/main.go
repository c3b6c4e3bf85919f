// Command apilatency measures ordo's Kubernetes API from a client's point of
// view: latency and throughput of create/get/update/list on ConfigMaps,
// watch delivery lag, and the server's memory, CPU and disk use while doing
// it. It starts its own `ordo server` (via testcluster, honouring $ORDO_BIN)
// in a temporary directory and removes both afterwards.
//
// It never judges the figures: it exits 1 only if something broke (an API
// error, a wrong LIST result, watch events missing after the timeout).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

// options are the command-line knobs; defaults fit ~3 minutes on 2 cores.
type options struct {
	n            int
	workers      int
	fullLists    int
	selLists     int
	payload      int
	settle       time.Duration
	watchTimeout time.Duration
	resource     string
}

func parseFlags() options {
	var o options
	flag.IntVar(&o.n, "n", 10000, "number of ConfigMaps to create, get and update")
	flag.IntVar(&o.workers, "workers", 16, "concurrent clients for create, get and update")
	flag.IntVar(&o.fullLists, "lists", 20, "number of sequential LISTs of all N objects")
	flag.IntVar(&o.selLists, "selector-lists", 200, "number of sequential LISTs with a labelSelector matching 10 objects")
	flag.IntVar(&o.payload, "payload", 256, "bytes of data in each ConfigMap")
	flag.DurationVar(&o.settle, "settle", 3*time.Second, "wait after the server is ready before the idle measurement")
	flag.DurationVar(&o.watchTimeout, "watch-timeout", 30*time.Second, "how long after the last update to wait for missing watch events")
	flag.StringVar(&o.resource, "resource", "configmaps", "what to drive: configmaps, or custom (custom resources of a CRD of the same shape and size)")
	flag.Parse()
	return o
}

// result is the machine-readable summary printed as `RESULT {json}`.
type result struct {
	OK             bool                             `json:"ok"`
	Error          string                           `json:"error,omitempty"`
	N              int                              `json:"n"`
	Resource       string                           `json:"resource"`
	Workers        int                              `json:"workers"`
	PayloadBytes   int                              `json:"payload_bytes"`
	Machine        benchutil.Machine                `json:"machine"`
	Ops            map[string]opStats               `json:"ops"`
	Watch          *watchStats                      `json:"watch,omitempty"`
	Server         map[string]benchutil.MemSnapshot `json:"server_mem"`
	ServerStartupS float64                          `json:"server_startup_s"`
	ServerStopS    float64                          `json:"server_stop_s"`
}

func main() { os.Exit(run(parseFlags())) }

// run owns the server's lifetime so that every return path, including an
// interrupt, stops it and removes its data directory before exiting.
func run(o options) int {
	if o.resource != "configmaps" && o.resource != "custom" {
		fmt.Fprintln(os.Stderr, "apilatency: -resource must be configmaps or custom")
		return 2
	}
	if o.n < 1 || o.workers < 1 {
		fmt.Fprintln(os.Stderr, "apilatency: -n and -workers must be positive")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res := &result{N: o.n, Resource: o.resource, Workers: o.workers, PayloadBytes: o.payload, Machine: benchutil.DescribeMachine(),
		Ops: map[string]opStats{}, Server: map[string]benchutil.MemSnapshot{}}
	printHeader(res)
	err := withServer(ctx, res, func(srv *testcluster.Server) error { return measure(ctx, o, srv, res) })
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("interrupted (%v)", err)
	}
	if err != nil {
		res.Error = err.Error()
		fmt.Fprintf(os.Stderr, "apilatency: FAILED: %v\n", err)
	}
	res.OK = err == nil
	printResult(res)
	if err != nil {
		return 1
	}
	return 0
}

// withServer runs fn against a fresh server in a temporary directory and
// stops the server and removes the directory however fn ends, so neither
// outlives the benchmark. On failure it shows the end of the server log
// while it still exists.
func withServer(ctx context.Context, res *result, fn func(*testcluster.Server) error) error {
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
	defer func() { res.ServerStopS = benchutil.StopServer(srv) }()
	res.ServerStartupS = benchutil.Round3(time.Since(t0).Seconds())
	benchutil.Progress("server pid %d on %s ready in %.2fs (data dir %s)", srv.Pid(), srv.Listen, res.ServerStartupS, dir)
	if err := fn(srv); err != nil {
		if ctx.Err() != nil {
			return err // interrupted: the log has nothing to explain
		}
		fmt.Printf("server log tail (%s):\n%s\n", srv.LogPath(), logTail(srv.LogPath()))
		return err
	}
	return nil
}

// measure runs every phase in order and fills res as it goes, so a failure
// still reports the phases that completed.
func measure(ctx context.Context, o options, srv *testcluster.Server, res *result) error {
	b, err := newBench(srv, o)
	if err != nil {
		return err
	}
	pid := strconv.Itoa(srv.Pid())
	mem := func(label string) {
		if m, err := benchutil.Snapshot(pid, srv.DataDir); err == nil {
			res.Server[label] = m
		}
	}
	if err := benchutil.Sleep(ctx, o.settle); err != nil {
		return err
	}
	mem("idle")
	if _, err := b.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: b.ns}}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace: %w", err)
	}
	if err := b.useObjects(ctx, srv, o); err != nil {
		return err
	}
	defer func() { printReport(res) }()
	phases := []struct {
		name string
		fn   func(context.Context) (opStats, error)
	}{{"create", b.create}, {"get", b.get}, {"list_all", b.listAll}, {"list_selector", b.listSelected}}
	for _, p := range phases {
		st, err := p.fn(ctx)
		res.Ops[p.name] = st // kept even on failure, to report partial figures
		if err != nil {
			return err
		}
		if p.name == "create" {
			mem("after_create")
		}
	}
	st, ws, err := b.updateAndWatch(ctx, o.watchTimeout)
	res.Ops["update"], res.Watch = st, &ws
	mem("end")
	return err
}

// newBench builds the clients: one unthrottled client whose requests share
// a single HTTP/2 connection (as one controller's would), and a watcher on
// a connection of its own (as a separate process's would).
func newBench(srv *testcluster.Server, o options) (*bench, error) {
	cs, wcs, err := benchutil.Clients(srv)
	if err != nil {
		return nil, err
	}
	return &bench{
		cs: cs, watchCS: wcs, ns: fmt.Sprintf("bench-%d", time.Now().Unix()),
		n: o.n, workers: o.workers, fullLists: o.fullLists, selLists: o.selLists,
		cpu: benchutil.CPUMeter{ServerPid: strconv.Itoa(srv.Pid())}, progress: benchutil.Progress,
	}, nil
}

// useObjects picks what the phases drive: ConfigMaps, or BenchObjects of
// a CRD created here, with the same labels and payload.
func (b *bench) useObjects(ctx context.Context, srv *testcluster.Server, o options) error {
	payload := strings.Repeat("x", o.payload)
	if o.resource == "configmaps" {
		b.objs = &configMaps{cs: b.cs, watchCS: b.watchCS, ns: b.ns, payload: payload, objs: make([]*corev1.ConfigMap, b.n)}
		return nil
	}
	cfg, wcfg, err := benchutil.Configs(srv)
	if err != nil {
		return err
	}
	crs, err := newCustomResources(ctx, cfg, wcfg, b.ns, payload, b.n)
	if err != nil {
		return err
	}
	b.objs = crs
	return nil
}

func printHeader(res *result) {
	m := res.Machine
	fmt.Printf("ordo API latency benchmark  %s\n", m.Date)
	fmt.Printf("machine: NumCPU=%d GOMAXPROCS=%d kernel=%s go=%s loadavg=%s\n",
		m.NumCPU, m.GOMAXPROCS, m.Kernel, m.GoVersion, m.LoadAvg)
	what := "ConfigMaps"
	if res.Resource == "custom" {
		what = "custom resources (CRD BenchObject)"
	}
	fmt.Printf("workload: N=%d %s (%d-byte payload), %d workers, one namespace\n",
		res.N, what, res.PayloadBytes, res.Workers)
}

// printReport prints whatever figures were gathered, in table form.
func printReport(res *result) {
	fmt.Println()
	fmt.Println("== request latency (client-observed) and throughput ==")
	var rows []namedStats
	for _, k := range []string{"create", "get", "update", "list_all", "list_selector"} {
		if st, ok := res.Ops[k]; ok {
			rows = append(rows, namedStats{k, st})
		}
	}
	printTable(rows)
	if st, ok := res.Ops["list_all"]; ok && st.WallS > 0 {
		fmt.Printf("list_all returns %d objects per call: %.0f objects/s\n", res.N, float64(res.N*st.Count)/st.WallS)
	}
	if w := res.Watch; w != nil {
		fmt.Println()
		fmt.Println("== watch delivery lag (MODIFIED events during the update phase) ==")
		printLag("lag after UPDATE returned", w.AfterReturn)
		printLag("lag after UPDATE was sent", w.AfterStart)
		fmt.Printf("events received %d of %d, missing %d, watch reconnects %d\n", w.Received, res.N, w.Missing, w.Reconnects)
	}
	fmt.Println()
	fmt.Printf("== server resources (startup %.2fs) ==\n", res.ServerStartupS)
	for _, k := range []string{"idle", "after_create", "end"} {
		if m, ok := res.Server[k]; ok {
			fmt.Printf("%-13s %s\n", k, m)
		}
	}
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
