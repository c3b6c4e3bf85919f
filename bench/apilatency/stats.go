package main

import (
	"fmt"
	"sort"
	"time"
)

// latency summarises a set of durations in milliseconds, the unit people
// compare API latencies in.
type latency struct {
	Count int     `json:"count"`
	Min   float64 `json:"min_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
	Mean  float64 `json:"mean_ms"`
}

// opStats is one phase's figures: request latencies, throughput over the
// phase's wall time, and the CPU both sides burnt during it (client and
// server share the same cores, so both matter when reading throughput).
type opStats struct {
	latency
	WallS      float64 `json:"wall_s"`
	RPS        float64 `json:"rps"`
	ServerCPUS float64 `json:"server_cpu_s"`
	ClientCPUS float64 `json:"client_cpu_s"`
}

// summarize computes nearest-rank percentiles so that p99 of 20 samples is
// an observed value rather than an interpolation.
func summarize(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return latency{
		Count: len(s),
		Min:   ms(s[0]),
		P50:   ms(rank(s, 0.50)),
		P90:   ms(rank(s, 0.90)),
		P99:   ms(rank(s, 0.99)),
		Max:   ms(s[len(s)-1]),
		Mean:  ms(sum / time.Duration(len(s))),
	}
}

// rank is the nearest-rank percentile of sorted samples.
func rank(sorted []time.Duration, p float64) time.Duration {
	i := int(p*float64(len(sorted))+0.999999) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// durations turns per-request start/end stamps into latencies.
func durations(start, end []time.Time) []time.Duration {
	out := make([]time.Duration, 0, len(start))
	for i := range start {
		if !start[i].IsZero() && !end[i].IsZero() {
			out = append(out, end[i].Sub(start[i]))
		}
	}
	return out
}

// newOpStats combines latencies with the phase's wall time and CPU usage.
func newOpStats(ds []time.Duration, wall time.Duration, cpu cpuDelta) opStats {
	st := opStats{latency: summarize(ds), WallS: round3(wall.Seconds()),
		ServerCPUS: round3(cpu.server), ClientCPUS: round3(cpu.client)}
	if wall > 0 {
		st.RPS = round3(float64(len(ds)) / wall.Seconds())
	}
	return st
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

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
func printLag(name string, l latency) {
	fmt.Printf("%-26s n=%-6d min %7.2f  p50 %7.2f  p90 %7.2f  p99 %7.2f  max %7.2f ms\n",
		name, l.Count, l.Min, l.P50, l.P90, l.P99, l.Max)
}
