// Command servers measures what a cluster of servers costs and buys, side
// by side in one run on test machines (internal/testcluster/machines):
// API write latency (ConfigMap creates, serial and from concurrent
// writers) with one server (`--cluster-init`, one etcd member) and then,
// on the same lab after two more servers `--join`ed, with three; and, on
// those three, the time from the controllers' leader's kill -9 to the next
// CronJob slot fired, over several kills, with the slots missed meanwhile.
//
// It needs root (network namespaces). It never judges the figures: it
// exits 1 only when something broke (an API error, a lost slot).
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
	"github.com/ordo-dev/ordo/internal/testcluster/machines"
)

type options struct {
	writes  int
	workers int
	kills   int
}

func parseFlags() options {
	var o options
	flag.IntVar(&o.writes, "n", 300, "ConfigMap creates per write phase")
	flag.IntVar(&o.workers, "workers", 8, "concurrent writers of the concurrent write phase")
	flag.IntVar(&o.kills, "kills", 5, "kills -9 of the controllers' leader")
	flag.Parse()
	return o
}

// result is printed as `RESULT {json}` for machines, after the human lines.
type result struct {
	OK       bool                   `json:"ok"`
	Error    string                 `json:"error,omitempty"`
	Machine  benchutil.Machine      `json:"machine"`
	Writes   map[string]writeFigure `json:"writes"`
	Failover *failoverFigures       `json:"failover,omitempty"`
}

func main() { os.Exit(run(parseFlags())) }

func run(o options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res := &result{Machine: benchutil.DescribeMachine(), Writes: map[string]writeFigure{}}
	benchutil.Progress("machine: %+v", res.Machine)
	err := withLab(func(lab *machines.Lab) error { return measure(ctx, o, lab, res) })
	if err != nil {
		res.Error = err.Error()
		fmt.Fprintf(os.Stderr, "servers: FAILED: %v\n", err)
	}
	res.OK = err == nil
	out, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", out)
	if err != nil {
		return 1
	}
	return 0
}

// withLab runs fn on a fresh lab in a temporary directory and always
// closes the lab (stopping every server) and removes the directory.
func withLab(fn func(*machines.Lab) error) (err error) {
	bin, err := testcluster.Binary()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ordo-bench-servers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lab, err := machines.Open(bin, dir)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := lab.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return fn(lab)
}

// measure runs the phases: writes on one server, two servers join, writes
// on three, then the leader kills.
func measure(ctx context.Context, o options, lab *machines.Lab, res *result) error {
	first, err := lab.AddMachine("server1")
	if err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := first.StartServer("--no-agent", "--cluster-init"); err != nil {
		return err
	}
	benchutil.Progress("server1 serving in %s", time.Since(t0).Round(time.Millisecond))
	if err := writePhases(ctx, o, first, "1 server", res); err != nil {
		return err
	}
	servers := []*machines.Machine{first}
	for _, name := range []string{"server2", "server3"} {
		m, err := join(lab, first, name)
		if err != nil {
			return err
		}
		servers = append(servers, m)
	}
	if err := writePhases(ctx, o, first, "3 servers", res); err != nil {
		return err
	}
	printWrites(o, res)
	if o.kills > 0 {
		f, err := measureFailover(ctx, o, servers)
		res.Failover = f
		printFailover(f)
		return err
	}
	return nil
}

// join starts a server on a new machine that joins via's cluster.
func join(lab *machines.Lab, via *machines.Machine, name string) (*machines.Machine, error) {
	m, err := lab.AddMachine(name)
	if err != nil {
		return nil, err
	}
	token, err := via.NodeToken()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	if _, err := m.StartServer("--no-agent", "--join", via.URL(), "--token", token,
		"--ca-cert", via.DataDir+"/pki/ca.crt"); err != nil {
		return nil, err
	}
	benchutil.Progress("%s joined in %s", name, time.Since(t0).Round(time.Millisecond))
	return m, nil
}
