package main

import (
	"fmt"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

func printHeader(res *result) {
	m := res.Machine
	fmt.Printf("ordo pod start benchmark  %s\n", m.Date)
	fmt.Printf("machine: NumCPU=%d GOMAXPROCS=%d kernel=%s go=%s loadavg=%s\n",
		m.NumCPU, m.GOMAXPROCS, m.Kernel, m.GoVersion, m.LoadAvg)
	fmt.Printf("workload: %d pods at %g/s, then deleted; burst of %d pods from %d creators; each pod runs `sleep 3600`\n",
		res.Pods, res.Rate, res.Burst, res.Creators)
}

// printReport prints whatever figures were gathered, in table form.
func printReport(res *result) {
	if s := res.Steady; s != nil && s.ToRunning.Count > 0 {
		fmt.Println()
		fmt.Printf("== steady: %d pods created at %g/s (all Running after %.2fs) ==\n", res.Pods, res.Rate, s.WallS)
		printLatencyHeader()
		printLatency("create call", s.CreateCall)
		printLatency("create → scheduled", s.ToScheduled)
		printLatency("create → sandbox fork", s.ToSandbox)
		printLatency("create → container fork", s.ToProcess)
		printLatency("create → Running", s.ToRunning)
		printLatency("container fork → Running", s.ForkToRunning)
		fmt.Printf("last pod Running %.2fs after the last create returned\n", s.DrainS)
		fmt.Printf("startedAt outside [create, Running observed] ±1s: %d; watch reconnects %d\n", s.StartedAtOff, s.Reconnects)
		printIssues(s.startIssues)
	}
	printDelete("teardown", res.Teardown)
	if s := res.BurstRun; s != nil && s.ToRunning.Count > 0 {
		fmt.Println()
		fmt.Printf("== burst: %d pods from %d creators ==\n", res.Burst, res.Creators)
		printLatencyHeader()
		printLatency("create call", s.CreateCall)
		printLatency("create → Running", s.ToRunning)
		fmt.Printf("creates took %.2fs; all Running after %.2fs: %.1f pods/s\n", s.CreatesS, s.AllRunningS, s.PodsPerS)
		printIssues(s.startIssues)
	}
	printDelete("burst teardown", res.BurstDel)
	printPodCPU(res.PodCPU)
	printResources(res)
}

func printDelete(name string, s *deleteStats) {
	if s == nil || s.ToGone.Count == 0 {
		return
	}
	fmt.Println()
	fmt.Printf("== %s: %d pods deleted one after another, default grace (1s) ==\n", name, s.ToGone.Count)
	printLatencyHeader()
	printLatency("delete call", s.DeleteCall)
	printLatency("delete → gone", s.ToGone)
	fmt.Printf("all gone %.2fs after the first delete\n", s.AllGoneS)
}

func printResources(res *result) {
	fmt.Println()
	fmt.Printf("== server (startup %.2fs, node Ready after %.2fs more) ==\n", res.StartupS, res.NodeS)
	for _, k := range []string{"steady", "teardown", "burst", "burst_teardown"} {
		if c, ok := res.ServerCPU[k]; ok {
			fmt.Printf("%-15s CPU %7.2f s\n", k, c)
		}
	}
	for _, k := range []string{"idle", "steady_running", "burst_running", "end"} {
		if m, ok := res.Server[k]; ok {
			fmt.Printf("%-15s %s\n", k, m)
		}
	}
	for _, k := range []string{"after_teardown", "after_burst_teardown"} {
		if l, ok := res.Leftovers[k]; ok {
			fmt.Printf("leftovers %-21s processes %d  veths %d\n", k, l.Processes, l.Veths)
		}
	}
}

func printLatencyHeader() {
	fmt.Printf("%-26s %6s %9s %9s %9s %9s %9s\n", "interval", "count", "min ms", "p50 ms", "p90 ms", "p99 ms", "max ms")
}

func printLatency(name string, l benchutil.Latency) {
	if l.Count == 0 {
		return
	}
	fmt.Printf("%-26s %6d %9.2f %9.2f %9.2f %9.2f %9.2f\n", name, l.Count, l.Min, l.P50, l.P90, l.P99, l.Max)
}

// printIssues is silent when every container started on its first try.
func printIssues(s startIssues) {
	if s.Restarted > 0 {
		fmt.Printf("NOTE: %d pods did not start on the first try (their latency includes back-off); first problem: %s\n", s.Restarted, s.FirstProblem)
	}
}
