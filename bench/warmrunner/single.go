package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// measureSingle observes one every-second warm CronJob.
func measureSingle(ctx context.Context, s *session, o options, res *result) error {
	if _, stderr, err := s.srv.Kubectl(ctx, cronJob("tick", "* * * * * *", s.out, true), "apply", "-f", "-"); err != nil {
		return fmt.Errorf("apply: %v: %s", err, stderr)
	}
	if err := waitRuns(ctx, s.out, 3, o.timeout); err != nil {
		return err
	}
	first, _ := starts(s.out)
	if err := benchutil.Sleep(ctx, o.single); err != nil {
		return err
	}
	all, err := starts(s.out)
	if err != nil {
		return err
	}
	var lags []time.Duration
	for name, start := range all {
		if _, warmup := first[name]; warmup {
			continue
		}
		if d, ok := lag(name, start); ok {
			lags = append(lags, d)
		}
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	l := benchutil.Summarize(lags)
	res.Single = &l
	fmt.Printf("\n1 warm CronJob every second, %d runs: slot → command running  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
		len(lags), l.P50, l.P99, l.Max)
	mem, err := runnerMemory()
	if err == nil {
		fmt.Printf("idle runner pod: %s\n", mem)
	}
	return nil
}

// waitRuns waits until the out directory holds n runs.
func waitRuns(ctx context.Context, out string, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if got, err := starts(out); err == nil && len(got) >= n {
			return nil
		}
		if err := benchutil.Sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("fewer than %d runs within %s", n, timeout)
}
