package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// summary is one path's figures over the runs: median p50 and p99, best
// throughput.
type summary struct {
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MBps  float64 `json:"mb_per_s"`
}

func summarize(rs []probeResult) summary {
	var p50, p99 []float64
	var s summary
	for _, r := range rs {
		p50, p99 = append(p50, r.P50ms), append(p99, r.P99ms)
		s.MBps = max(s.MBps, r.MBps)
	}
	return summary{P50ms: median(p50), P99ms: median(p99), MBps: benchutil.Round3(s.MBps)}
}

func median(v []float64) float64 {
	sort.Float64s(v)
	return v[len(v)/2]
}

func report(w io.Writer, n int, dur time.Duration, runs int, results map[string][]probeResult) {
	m := benchutil.DescribeMachine()
	fmt.Fprintf(w, "podnet: %d round trips of 64 B, %v of sending per run, %d runs; NumCPU %d, load %s\n", n, dur, runs, m.NumCPU, benchutil.LoadAvg())
	local, remote := summarize(results["echo-local"]), summarize(results["echo-remote"])
	fmt.Fprintf(w, "%-28s %12s %12s\n", "pod to pod", "same node", "across nodes")
	fmt.Fprintf(w, "%-28s %12.3f %12.3f\n", "latency p50 (ms)", local.P50ms, remote.P50ms)
	fmt.Fprintf(w, "%-28s %12.3f %12.3f\n", "latency p99 (ms)", local.P99ms, remote.P99ms)
	fmt.Fprintf(w, "%-28s %12.1f %12.1f\n", "throughput (MB/s)", local.MBps, remote.MBps)
	b, _ := json.Marshal(map[string]summary{"same_node": local, "across_nodes": remote})
	fmt.Fprintf(w, "RESULT %s\n", b)
}
