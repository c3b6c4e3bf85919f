package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// treeCPU is the CPU seconds of the server and of the children it has
// reaped. A pod's processes are the children of its shim, which the shim
// waits for; the shim is a child of the server, which waits for it when
// the pod is gone. So once a pod is gone, its shim's, sandbox's and
// containers' CPU is in the server's cutime+cstime (proc(5)): the pod
// processes' share of a pod's life, with nothing sampled while they ran.
type treeCPU struct {
	Server   float64 // utime + stime
	Children float64 // cutime + cstime: reaped shims, with their children
}

// readTreeCPU reads /proc/<pid>/stat fields 14–17; a failed read counts as 0.
func readTreeCPU(pid int) treeCPU {
	f, err := benchutil.StatFields(strconv.Itoa(pid))
	if err != nil || len(f) < 15 {
		return treeCPU{}
	}
	tick := func(i int) float64 {
		v, _ := strconv.ParseUint(f[i], 10, 64)
		return float64(v) / benchutil.ClkTck
	}
	return treeCPU{Server: tick(11) + tick(12), Children: tick(13) + tick(14)}
}

// liveCPU is the CPU seconds the recorded pod processes that still run
// have used so far, with the children they reaped: at the end of the
// steady phase, the pod processes' share of starting its pods. Each
// process's own time comes from /proc/<pid>/schedstat, in nanoseconds (the
// pod processes have one thread each): stat's ticks, truncated per
// process, would lose up to 10 ms of each.
func (o *owned) liveCPU() float64 {
	var sum float64
	for _, p := range scanProcs() {
		if _, ok := o.procs[p.id()]; !ok {
			continue
		}
		t := readTreeCPU(p.pid)
		own := t.Server
		if ns, err := schedstatNS(p.pid); err == nil {
			own = float64(ns) / 1e9
		}
		sum += own + t.Children
	}
	return sum
}

// schedstatNS is the time pid's main thread has run, in nanoseconds: the
// first field of /proc/<pid>/schedstat.
func schedstatNS(pid int) (uint64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "schedstat"))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0, fmt.Errorf("empty schedstat of %d", pid)
	}
	return strconv.ParseUint(f[0], 10, 64)
}

func (t treeCPU) sub(o treeCPU) treeCPU {
	return treeCPU{Server: t.Server - o.Server, Children: t.Children - o.Children}
}

// podCPU is CPU per pod, in ms, of the steady phase's pods: their starts
// (the steady phase), their stops (the teardown) and the two together.
// The pod processes' share of a start is what the live processes had used
// at the end of the steady phase; of a stop, the rest of what the server's
// reaped children used over the two phases.
// Idle is the server's own CPU per second before the first pod, so a
// reader can tell the background (leases, controllers' resyncs) from the
// pods' cost: IdleShare is what that rate adds to each pod over the two
// phases' wall time.
type podCPU struct {
	Pods      int     `json:"pods"`
	StartMS   cpuMS   `json:"start_ms"`
	StopMS    cpuMS   `json:"stop_ms"`
	LifeMS    cpuMS   `json:"life_ms"`
	IdleMSPS  float64 `json:"idle_server_ms_per_s"`
	IdleShare float64 `json:"idle_share_ms"`
}

// cpuMS splits one figure between the server and the pod processes.
type cpuMS struct {
	Server float64 `json:"server"`
	Pods   float64 `json:"pod_processes"`
	Total  float64 `json:"total"`
}

func perPod(d treeCPU, n int) cpuMS {
	ms := func(s float64) float64 { return benchutil.Round3(s * 1000 / float64(n)) }
	return cpuMS{Server: ms(d.Server), Pods: ms(d.Children), Total: ms(d.Server + d.Children)}
}

// cpuLedger collects the samples podCPU is computed from.
type cpuLedger struct {
	idleFrom, idleTo, steadyFrom, steadyTo, teardownTo treeCPU
	idleWall, lifeWall                                 time.Duration
	// livePods is liveCPU at the end of the steady phase.
	livePods float64
}

func (l cpuLedger) podCPU(pods int) *podCPU {
	if pods == 0 {
		return nil
	}
	start, stop := l.steadyTo.sub(l.steadyFrom), l.teardownTo.sub(l.steadyTo)
	start.Children += l.livePods
	stop.Children -= l.livePods
	c := &podCPU{Pods: pods, StartMS: perPod(start, pods), StopMS: perPod(stop, pods),
		LifeMS: perPod(l.teardownTo.sub(l.steadyFrom), pods)}
	if l.idleWall > 0 {
		rate := l.idleTo.sub(l.idleFrom).Server / l.idleWall.Seconds()
		c.IdleMSPS = benchutil.Round3(rate * 1000)
		c.IdleShare = benchutil.Round3(rate * 1000 * l.lifeWall.Seconds() / float64(pods))
	}
	return c
}

func printPodCPU(c *podCPU) {
	if c == nil {
		return
	}
	fmt.Println()
	fmt.Printf("== CPU per pod: the steady phase's %d pods, started and deleted (/proc stat, 10 ms ticks summed) ==\n", c.Pods)
	fmt.Printf("%-12s %12s %16s %12s\n", "", "server ms", "pod processes ms", "together ms")
	for _, r := range []struct {
		name string
		v    cpuMS
	}{{"start", c.StartMS}, {"stop", c.StopMS}, {"life", c.LifeMS}} {
		fmt.Printf("%-12s %12.2f %16.2f %12.2f\n", r.name, r.v.Server, r.v.Pods, r.v.Total)
	}
	fmt.Printf("idle server before the first pod: %.2f ms/s, i.e. %.2f ms of each pod's life above\n", c.IdleMSPS, c.IdleShare)
}
