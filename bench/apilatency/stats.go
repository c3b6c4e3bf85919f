package main

import (
	"fmt"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// opStats is one phase's figures: request latencies, throughput over the
// phase's wall time, and the CPU both sides burnt during it (client and
// server share the same cores, so both matter when reading throughput).
type opStats struct {
	benchutil.Latency
	WallS      float64 `json:"wall_s"`
	RPS        float64 `json:"rps"`
	ServerCPUS float64 `json:"server_cpu_s"`
	ClientCPUS float64 `json:"client_cpu_s"`
}

// newOpStats combines latencies with the phase's wall time and CPU usage.
func newOpStats(ds []time.Duration, wall time.Duration, cpu benchutil.CPUDelta) opStats {
	st := opStats{Latency: benchutil.Summarize(ds), WallS: benchutil.Round3(wall.Seconds()),
		ServerCPUS: benchutil.Round3(cpu.Server), ClientCPUS: benchutil.Round3(cpu.Client)}
	if wall > 0 {
		st.RPS = benchutil.Round3(float64(len(ds)) / wall.Seconds())
	}
	return st
}

const tableHeader = "%-16s %7s %9s %9s %9s %9s %10s %8s %10s %10s\n"
const tableRow = "%-16s %7d %9.2f %9.2f %9.2f %9.2f %10.1f %8.2f %10.2f %10.2f\n"

// printTable prints one row per phase so runs can be compared by eye.
func printTable(rows []namedStats) {
	fmt.Printf(tableHeader, "operation", "count", "p50 ms", "p90 ms", "p99 ms", "max ms",
		"req/s", "wall s", "srv CPU s", "cli CPU s")
	for _, r := range rows {
		s := r.stats
		fmt.Printf(tableRow, r.name, s.Count, s.P50, s.P90, s.P99, s.Max, s.RPS, s.WallS,
			s.ServerCPUS, s.ClientCPUS)
	}
}

type namedStats struct {
	name  string
	stats opStats
}

// printLag prints a latency line without throughput, for watch delays.
func printLag(name string, l benchutil.Latency) {
	fmt.Printf("%-26s n=%-6d min %7.2f  p50 %7.2f  p90 %7.2f  p99 %7.2f  max %7.2f ms\n",
		name, l.Count, l.Min, l.P50, l.P90, l.P99, l.Max)
}
