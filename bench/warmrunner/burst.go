package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// burstResult is one mode's figures for n CronJobs due together.
type burstResult struct {
	spread    []time.Duration // per slot: the last run's start after the slot
	p50, p99  float64         // ms, over every run
	cpuPerRun float64         // server CPU ms per run
	runs      int
	setupSecs float64
}

// json is r as the RESULT line carries it.
func (r *burstResult) json(cronJobs, slots int) *burstJSON {
	j := &burstJSON{CronJobs: cronJobs, Slots: slots, Runs: r.runs, P50MS: r.p50, P99MS: r.p99, CPUPerRunMS: r.cpuPerRun, SetupSeconds: r.setupSecs}
	for _, d := range r.spread {
		j.LastRunS = append(j.LastRunS, d.Seconds())
	}
	return j
}

// measureBurst creates n CronJobs firing every 10 seconds, all in the
// same second, waits for every one to have run once (warm: its runner pod
// is up), then measures o.slots slots.
func measureBurst(ctx context.Context, s *session, o options, warm bool, r *burstResult) error {
	mode := "jobs"
	if warm {
		mode = "warm"
	}
	t0 := time.Now()
	var manifests strings.Builder
	for i := 0; i < o.burst; i++ {
		manifests.WriteString(cronJob(fmt.Sprintf("cj%04d", i), "*/10 * * * * *", s.out, warm))
		manifests.WriteString("---\n")
	}
	if _, stderr, err := s.srv.Kubectl(ctx, manifests.String(), "apply", "-f", "-"); err != nil {
		return fmt.Errorf("apply: %v: %s", err, stderr)
	}
	if err := waitRuns(ctx, s.out, o.burst, o.timeout); err != nil {
		return fmt.Errorf("%s: %w", mode, err)
	}
	r.setupSecs = time.Since(t0).Seconds()
	// Start measuring just after a slot, once its runs are in.
	next := time.Now().Truncate(10 * time.Second).Add(10 * time.Second)
	if err := benchutil.Sleep(ctx, time.Until(next.Add(5*time.Second))); err != nil {
		return err
	}
	meter := benchutil.CPUMeter{ServerPid: fmt.Sprint(s.srv.Pid())}
	before := meter.Sample()
	from := next.Add(10 * time.Second)
	until := from.Add(time.Duration(o.slots-1) * 10 * time.Second)
	if o.profile != "" {
		go profile(ctx, s, o.profile+"."+mode, time.Until(until.Add(5*time.Second)))
	}
	if err := benchutil.Sleep(ctx, time.Until(until.Add(5*time.Second))); err != nil {
		return err
	}
	// Jobs may fall behind: wait (up to -timeout) for every run of the
	// measured slots; the CPU is charged up to then.
	deadline := time.Now().Add(o.timeout)
	var all map[string]time.Time
	for {
		var err error
		if all, err = starts(s.out); err != nil {
			return err
		}
		if runsIn(all, from, until) >= o.burst*o.slots || time.Now().After(deadline) {
			break
		}
		if err := benchutil.Sleep(ctx, time.Second); err != nil {
			return err
		}
	}
	cpu := meter.Since(before)
	var lags []time.Duration
	last := map[time.Time]time.Duration{}
	for name, start := range all {
		d, ok := lag(name, start)
		if !ok {
			continue
		}
		slot := start.Add(-d).Truncate(time.Second)
		if slot.Before(from) || slot.After(until) {
			continue
		}
		lags = append(lags, d)
		last[slot] = max(last[slot], d)
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	l := benchutil.Summarize(lags)
	r.p50, r.p99, r.runs = l.P50, l.P99, len(lags)
	for _, d := range last {
		r.spread = append(r.spread, d)
	}
	sort.Slice(r.spread, func(i, j int) bool { return r.spread[i] < r.spread[j] })
	if r.runs > 0 {
		r.cpuPerRun = cpu.Server * 1000 / float64(r.runs)
	}
	fmt.Printf("\n%d CronJobs (%s) due in the same second, %d slots, %d runs (want %d): slot → command running p50 %.1f ms p99 %.1f ms; last run of a slot %v; server CPU %.2f ms/run (%.2f s from the first slot to the last run, idle time between slots included); set-up %.1f s\n",
		o.burst, mode, len(r.spread), r.runs, o.burst*o.slots, r.p50, r.p99, r.spread, r.cpuPerRun, cpu.Server, r.setupSecs)
	return nil
}

// profile writes the server's CPU profile over d to path.
func profile(ctx context.Context, s *session, path string, d time.Duration) {
	out, stderr, err := s.srv.Kubectl(ctx, "", "get", "--raw", fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Seconds())))
	if err == nil {
		err = os.WriteFile(path, []byte(out), 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cpu profile: %v: %s\n", err, stderr)
	}
}

func printRatio(n int, warm, jobs burstResult) {
	if warm.cpuPerRun == 0 || len(warm.spread) == 0 || len(jobs.spread) == 0 {
		return
	}
	fmt.Printf("\nratio for %d CronJobs due together, Jobs ÷ warm: server CPU per run %.1f×, p99 start lag %.1f×, slowest slot %.1f×\n",
		n, jobs.cpuPerRun/warm.cpuPerRun, jobs.p99/warm.p99,
		float64(jobs.spread[len(jobs.spread)-1])/float64(warm.spread[len(warm.spread)-1]))
}

// runsIn counts the runs of slots in [from, until].
func runsIn(all map[string]time.Time, from, until time.Time) int {
	n := 0
	for name, start := range all {
		if d, ok := lag(name, start); ok {
			slot := start.Add(-d).Truncate(time.Second)
			if !slot.Before(from) && !slot.After(until) {
				n++
			}
		}
	}
	return n
}
