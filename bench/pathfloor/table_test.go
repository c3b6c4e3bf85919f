package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The parts' RESULT lines as the benchmarks print them (trimmed to the
// fields the table reads, plus a few it must ignore).
const (
	podstartOut = `# machine: ...
RESULT {"ok":true,"pods":100,"cpu_per_pod":{"pods":100,"start_ms":{"server":20,"pod_processes":9,"total":29},"life_ms":{"server":41.5,"pod_processes":12.25,"total":53.75}}}`
	jobsOut     = `RESULT {"ok":true,"completions":500,"completions_per_s":31.94,"server_cpu_ms_per_pod":52.7}`
	cronfireOut = `RESULT {"ok":true,"single":{"cronjobs":1,"runs":20,"slot_to_pod_running":{"count":20,"p50_ms":56.2,"p99_ms":119.4,"max_ms":119.4}},` +
		`"burst":{"cronjobs":1000,"runs":1000,"slot_to_job_created":{"count":1000,"max_ms":1850},"slot_to_pod_running":{"count":998,"max_ms":38500}},` +
		`"idle":{"cronjobs":10000,"server_cpu_pct_of_one_core":1.234,"server_rss_mib":381},"server_mem":{"burst":{"rss_kb":700000,"hwm_kb":833536}}}`
	unschedOut = `RESULT {"ok":true,"pods":500,"floor_cpu_pct_of_one_core":2.5,"pending_cpu_pct_of_one_core":8.04,"failedscheduling_events":950}`
	warmOut    = `RESULT {"ok":true,"burst":{"warm":{"cronjobs":500,"slots":3,"runs":1368,"last_run_of_slot_s":[2.6,3.1,3.4],"server_cpu_ms_per_run":11.9}}}`
)

func TestLastResultTakesTheLastValidLine(t *testing.T) {
	out := "RESULT {\"a\":1}\nnoise\nRESULT {broken\nRESULT {\"a\":2}\n# after\n"
	got := lastResult([]byte(out))
	if string(got) != `{"a":2}` {
		t.Fatalf("lastResult = %s, want {\"a\":2}", got)
	}
	if lastResult([]byte("no result here\n")) != nil {
		t.Fatal("lastResult found a RESULT in output without one")
	}
}

func TestTableRowsReadEveryFigure(t *testing.T) {
	raw := map[string]json.RawMessage{}
	parts := map[string]*partRun{}
	for name, out := range map[string]string{"podstart": podstartOut, "jobs": jobsOut, "jobs-fake": strings.Replace(jobsOut, "31.94", "226.5", 1),
		"cronfire": cronfireOut, "unschedulable": unschedOut, "warm": warmOut} {
		raw[name] = lastResult([]byte(out))
		parts[name] = &partRun{OK: true}
	}
	rows := tableRows(raw, parts)
	want := []struct{ figure, value string }{
		{"one pod's life", "53.8 ms (server 41.5 + pod processes 12.2; 100 pods)"},
		{"Indexed Job", "31.9/s (500 completions; server CPU 52.7 ms/pod)"},
		{"-fake-node", "226.5/s"},
		{"1,000 CronJobs due in one second: last pod Running", "38.50 s (only 998 of 1000)"},
		{"last Job created", "1.85 s"},
		{"slot → pod Running, p50 / p99", "56 / 119 ms (20 runs)"},
		{"RSS during the 1,000-pod burst", "814 MiB"},
		{"10,000 idle CronJobs", "1.23 % of a core / 381 MiB"},
		{"500 unschedulable pods", "8.04 % of a core (no pods: 2.50 %; 950 scheduling attempts)"},
		{"500 warm CronJobs", "3.40 s (slots: 2.60, 3.10, 3.40 s) (only 1368 of 1500)"},
		{"CPU per warm run", "11.9 ms (1368 runs)"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		if !strings.Contains(rows[i].Figure, w.figure) || !strings.HasPrefix(rows[i].Value, w.value) {
			t.Errorf("row %d = %q: %q, want %q: %q…", i, rows[i].Figure, rows[i].Value, w.figure, w.value)
		}
	}
	var buf bytes.Buffer
	printTable(&buf, &result{Rows: rows})
	if got := strings.Count(buf.String(), "\n|"); got != len(want)+2 {
		t.Errorf("printed table has %d lines, want %d (with the header and its rule):\n%s", got, len(want)+2, buf.String())
	}
}

// A part that failed or did not run marks its rows instead of printing
// zeros, which would read as a goal reached.
func TestTableRowsMarkMissingParts(t *testing.T) {
	raw := map[string]json.RawMessage{"unschedulable": lastResult([]byte(unschedOut))}
	parts := map[string]*partRun{
		"unschedulable": {OK: true},
		"cronfire":      {OK: false, Error: "exit status 1"},
		"warm":          {OK: false, Error: "no RESULT line"},
	}
	for _, r := range tableRows(raw, parts) {
		var want string
		switch r.Part {
		case "unschedulable":
			continue
		case "cronfire":
			want = "failed: exit status 1"
		case "warm":
			want = "failed: no RESULT line"
		default:
			want = "not run"
		}
		if r.Value != want || r.Values != nil {
			t.Errorf("%s row %q = %q %v, want %q and no values", r.Part, r.Figure, r.Value, r.Values, want)
		}
	}
}

func TestSelectParts(t *testing.T) {
	got, err := selectParts(plan(false), "warm, podstart")
	if err != nil || len(got) != 2 || got[0].name != "warm" || got[1].name != "podstart" {
		t.Fatalf("selectParts = %+v, %v", got, err)
	}
	if _, err := selectParts(plan(true), "nope"); err == nil || !strings.Contains(err.Error(), `-only: unknown part "nope"`) {
		t.Fatalf("selectParts(nope) error = %v, want one naming -only", err)
	}
}
