package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// row is one line of the table.
type row struct {
	Figure string `json:"figure"`
	Value  string `json:"value"`
	Goal   string `json:"goal"`
	// Part is the benchmark the figure comes from; Values holds the
	// numbers behind Value for scripts (empty when the part did not run).
	Part   string             `json:"part"`
	Values map[string]float64 `json:"values,omitempty"`
}

// The parts' RESULT lines, only the fields the table reads.
type (
	latencyJSON struct {
		Count int     `json:"count"`
		P50   float64 `json:"p50_ms"`
		P99   float64 `json:"p99_ms"`
		Max   float64 `json:"max_ms"`
	}
	podstartJSON struct {
		CPU *struct {
			Pods int `json:"pods"`
			Life struct {
				Server float64 `json:"server"`
				Pods   float64 `json:"pod_processes"`
				Total  float64 `json:"total"`
			} `json:"life_ms"`
		} `json:"cpu_per_pod"`
	}
	jobsJSON struct {
		Completions int     `json:"completions"`
		PerSecond   float64 `json:"completions_per_s"`
		CPUPerPodMS float64 `json:"server_cpu_ms_per_pod"`
	}
	fireJSON struct {
		CronJobs int         `json:"cronjobs"`
		Runs     int         `json:"runs"`
		Created  latencyJSON `json:"slot_to_job_created"`
		Running  latencyJSON `json:"slot_to_pod_running"`
	}
	cronfireJSON struct {
		Single *fireJSON `json:"single"`
		Burst  *fireJSON `json:"burst"`
		Idle   *struct {
			CronJobs int     `json:"cronjobs"`
			CPUPct   float64 `json:"server_cpu_pct_of_one_core"`
			RSSMiB   float64 `json:"server_rss_mib"`
		} `json:"idle"`
		Memory map[string]struct {
			HWMKB int64 `json:"hwm_kb"`
		} `json:"server_mem"`
	}
	unschedulableJSON struct {
		Pods     int     `json:"pods"`
		FloorPct float64 `json:"floor_cpu_pct_of_one_core"`
		CPUPct   float64 `json:"pending_cpu_pct_of_one_core"`
		Attempts int     `json:"failedscheduling_events"`
	}
	warmJSON struct {
		Burst map[string]*struct {
			CronJobs    int       `json:"cronjobs"`
			Slots       int       `json:"slots"`
			Runs        int       `json:"runs"`
			LastRunS    []float64 `json:"last_run_of_slot_s"`
			CPUPerRunMS float64   `json:"server_cpu_ms_per_run"`
		} `json:"burst"`
	}
)

// tableRows turns the parts' results into the rows, in its order.
// A figure whose part did not run, failed before measuring it, or printed
// no such figure reads so instead of a number.
func tableRows(raw map[string]json.RawMessage, parts map[string]*partRun) []row {
	var rows []row
	add := func(part, figure, goal string, fn func(r *row) bool) {
		rows = append(rows, fill(part, figure, goal, parts, fn))
	}
	var ps podstartJSON
	decode(raw["podstart"], &ps)
	add("podstart", "one pod's life (create → Running → deleted → gone), CPU: server + pod processes", "≤ 15 ms together", func(r *row) bool {
		if ps.CPU == nil || ps.CPU.Pods == 0 {
			return false
		}
		l := ps.CPU.Life
		r.Value = fmt.Sprintf("%.1f ms (server %.1f + pod processes %.1f; %d pods)", l.Total, l.Server, l.Pods, ps.CPU.Pods)
		r.Values = map[string]float64{"total_ms": l.Total, "server_ms": l.Server, "pod_processes_ms": l.Pods}
		return true
	})
	for _, p := range []struct{ part, figure, goal string }{
		{"jobs", "Indexed Job of `true` pods, completions/s", "≥ 150/s"},
		{"jobs-fake", "the same with -fake-node (controllers and API only)", "(226/s on a643d0d: not the bottleneck)"},
	} {
		var j jobsJSON
		decode(raw[p.part], &j)
		add(p.part, p.figure, p.goal, func(r *row) bool {
			if j.PerSecond == 0 {
				return false
			}
			r.Value = fmt.Sprintf("%.1f/s (%d completions; server CPU %.1f ms/pod)", j.PerSecond, j.Completions, j.CPUPerPodMS)
			r.Values = map[string]float64{"completions_per_s": j.PerSecond, "server_cpu_ms_per_pod": j.CPUPerPodMS}
			return true
		})
	}
	rows = append(rows, cronfireRows(raw["cronfire"], parts)...)
	var u unschedulableJSON
	decode(raw["unschedulable"], &u)
	add("unschedulable", fmt.Sprintf("%s unschedulable pods waiting, server CPU", sizeOr(u.Pods, "500")), "≈ 0 while nothing changes", func(r *row) bool {
		if u.Pods == 0 {
			return false
		}
		r.Value = fmt.Sprintf("%.2f %% of a core (no pods: %.2f %%; %d scheduling attempts)", u.CPUPct, u.FloorPct, u.Attempts)
		r.Values = map[string]float64{"pending_cpu_pct": u.CPUPct, "floor_cpu_pct": u.FloorPct, "attempts": float64(u.Attempts)}
		return true
	})
	rows = append(rows, warmRows(raw["warm"], parts)...)
	return rows
}

// cronfireRows are the rows of bench/cronfire: the burst's, the single
// CronJob's and the idle CronJobs'.
func cronfireRows(raw json.RawMessage, parts map[string]*partRun) []row {
	var c cronfireJSON
	decode(raw, &c)
	b := c.Burst
	if b == nil {
		b = &fireJSON{}
	}
	burst := sizeOr(b.CronJobs, "1,000")
	rows := []row{
		fill("cronfire", fmt.Sprintf("%s CronJobs due in one second: last pod Running after the slot", burst), "≤ 10 s", parts, func(r *row) bool {
			if b.Running.Count == 0 {
				return false
			}
			r.Value = fmt.Sprintf("%.2f s%s", b.Running.Max/1000, ofAll(b.Running.Count, b.CronJobs))
			r.Values = map[string]float64{"s": b.Running.Max / 1000, "running": float64(b.Running.Count)}
			return true
		}),
		fill("cronfire", "the same: last Job created", "≤ 0.5 s", parts, func(r *row) bool {
			if b.Created.Count == 0 {
				return false
			}
			r.Value = fmt.Sprintf("%.2f s%s", b.Created.Max/1000, ofAll(b.Created.Count, b.CronJobs))
			r.Values = map[string]float64{"s": b.Created.Max / 1000, "created": float64(b.Created.Count)}
			return true
		}),
		fill("cronfire", "one CronJob: slot → pod Running, p50 / p99", "≤ 20 / 30 ms", parts, func(r *row) bool {
			s := c.Single
			if s == nil || s.Running.Count == 0 {
				return false
			}
			r.Value = fmt.Sprintf("%.0f / %.0f ms (%d runs)", s.Running.P50, s.Running.P99, s.Running.Count)
			r.Values = map[string]float64{"p50_ms": s.Running.P50, "p99_ms": s.Running.P99}
			return true
		}),
		fill("cronfire", fmt.Sprintf("server RSS during the %s-pod burst (peak)", burst), "≤ 300 MiB", parts, func(r *row) bool {
			m, ok := c.Memory["burst"]
			if !ok || m.HWMKB == 0 {
				return false
			}
			r.Value = fmt.Sprintf("%.0f MiB", float64(m.HWMKB)/1024)
			r.Values = map[string]float64{"mib": float64(m.HWMKB) / 1024}
			return true
		}),
	}
	idle := "10,000"
	if c.Idle != nil {
		idle = sizeOr(c.Idle.CronJobs, idle)
	}
	rows = append(rows, fill("cronfire", fmt.Sprintf("%s idle CronJobs: server CPU / RSS", idle), "≤ 0.5 % / ≤ 200 MiB", parts, func(r *row) bool {
		if c.Idle == nil || c.Idle.RSSMiB == 0 {
			return false
		}
		r.Value = fmt.Sprintf("%.2f %% of a core / %.0f MiB", c.Idle.CPUPct, c.Idle.RSSMiB)
		r.Values = map[string]float64{"cpu_pct": c.Idle.CPUPct, "rss_mib": c.Idle.RSSMiB}
		return true
	}))
	return rows
}

// warmRows are the rows of bench/warmrunner's warm burst.
func warmRows(raw json.RawMessage, parts map[string]*partRun) []row {
	var w warmJSON
	decode(raw, &w)
	b := w.Burst["warm"]
	n := "500"
	if b != nil {
		n = sizeOr(b.CronJobs, n)
	}
	return []row{
		fill("warm", fmt.Sprintf("%s warm CronJobs due together: last run started", n), "≤ 0.5 s", parts, func(r *row) bool {
			if b == nil || len(b.LastRunS) == 0 {
				return false
			}
			last := b.LastRunS[len(b.LastRunS)-1] // sorted: the slowest slot
			var each []string
			for _, s := range b.LastRunS {
				each = append(each, fmt.Sprintf("%.2f", s))
			}
			r.Value = fmt.Sprintf("%.2f s (slots: %s s)%s", last, strings.Join(each, ", "), ofAll(b.Runs, b.Slots*b.CronJobs))
			r.Values = map[string]float64{"s": last}
			return true
		}),
		fill("warm", "server CPU per warm run", "≤ 2 ms", parts, func(r *row) bool {
			if b == nil || b.Runs == 0 {
				return false
			}
			r.Value = fmt.Sprintf("%.1f ms (%d runs)", b.CPUPerRunMS, b.Runs)
			r.Values = map[string]float64{"ms": b.CPUPerRunMS}
			return true
		}),
	}
}

// fill is one row whose value fn sets, or that reads as missing.
func fill(part, figure, goal string, parts map[string]*partRun, fn func(*row) bool) row {
	r := row{Figure: figure, Goal: goal, Part: part}
	if !fn(&r) {
		r.Value, r.Values = missing(part, parts), nil
	}
	return r
}

// missing says why a part's figure is absent.
func missing(part string, parts map[string]*partRun) string {
	pr, ran := parts[part]
	switch {
	case !ran:
		return "not run"
	case !pr.OK:
		return "failed: " + pr.Error
	default:
		return "not in the part's RESULT"
	}
}

// decode reads raw into v; an absent or foreign result leaves v zero.
func decode(raw json.RawMessage, v any) {
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, v)
	}
}

// sizeOr is n with thousands separators, or def when n is 0.
func sizeOr(n int, def string) string {
	if n == 0 {
		return def
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ofAll notes when fewer than all of n were seen (n 0: unknown).
func ofAll(got, n int) string {
	if n > 0 && got < n {
		return fmt.Sprintf(" (only %d of %d)", got, n)
	}
	return ""
}

// printTable writes the table as Markdown, ready for the note.
func printTable(w io.Writer, res *result) {
	fmt.Fprintf(w, "\nissue 28's table, %s, load average %s at the start and %s at the end\n\n", res.Version, res.Machine.LoadAvg, res.LoadEnd)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "| figure\t| value\t| goal\t|")
	fmt.Fprintln(tw, "|---\t|---\t|---\t|")
	for _, r := range res.Rows {
		fmt.Fprintf(tw, "| %s\t| %s\t| %s\t|\n", r.Figure, r.Value, r.Goal)
	}
	tw.Flush()
}
