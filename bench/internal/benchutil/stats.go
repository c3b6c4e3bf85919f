package benchutil

import (
	"sort"
	"time"
)

// Latency summarises a set of durations in milliseconds, the unit people
// compare API latencies in.
type Latency struct {
	Count int     `json:"count"`
	Min   float64 `json:"min_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
	Mean  float64 `json:"mean_ms"`
}

// Summarize computes nearest-rank percentiles so that p99 of 20 samples is
// an observed value rather than an interpolation.
func Summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Latency{
		Count: len(s),
		Min:   MS(s[0]),
		P50:   MS(rank(s, 0.50)),
		P90:   MS(rank(s, 0.90)),
		P99:   MS(rank(s, 0.99)),
		Max:   MS(s[len(s)-1]),
		Mean:  MS(sum / time.Duration(len(s))),
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

// MS is d in milliseconds with microsecond resolution.
func MS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Durations turns per-request start/end stamps into latencies, skipping
// requests that never started or never ended.
func Durations(start, end []time.Time) []time.Duration {
	out := make([]time.Duration, 0, len(start))
	for i := range start {
		if !start[i].IsZero() && !end[i].IsZero() {
			out = append(out, end[i].Sub(start[i]))
		}
	}
	return out
}

// Round3 keeps three decimals, enough for seconds in JSON without noise.
func Round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
