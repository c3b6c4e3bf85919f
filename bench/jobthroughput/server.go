package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// writeVerbs are the apiserver_request_total verbs that write to storage.
var writeVerbs = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "APPLY": true, "DELETE": true}

// isWrite says whether a key of apiRequests is a write.
func isWrite(key string) bool {
	verb, _, _ := strings.Cut(key, " ")
	return writeVerbs[verb]
}

// apiRequests reads the server's apiserver_request_total counters (its
// /metrics) and sums the requests but watches by "VERB
// resource[/subresource]". The per-pod figure is the difference of two
// samples divided by completions.
func apiRequests(ctx context.Context, cs kubernetes.Interface) (map[string]float64, error) {
	raw, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("read /metrics: %w", err)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		end := strings.LastIndexByte(line, '}')
		labels := parseLabels(line[len("apiserver_request_total{"):end])
		if labels["verb"] == "WATCH" || labels["verb"] == "WATCHLIST" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
		if err != nil {
			continue
		}
		key := labels["verb"] + " " + labels["resource"]
		if s := labels["subresource"]; s != "" {
			key += "/" + s
		}
		out[key] += v
	}
	return out, sc.Err()
}

// parseLabels splits a Prometheus label set `a="x",b="y"` (label values
// here never hold commas or quotes).
func parseLabels(s string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			m[k] = strings.Trim(v, `"`)
		}
	}
	return m
}

// perPod is the difference after-before of the requests keep selects, per
// completion, largest first.
func perPod(before, after map[string]float64, completions int, keep func(string) bool) (total float64, lines []string) {
	type row struct {
		key string
		n   float64
	}
	var rows []row
	for k, v := range after {
		if d := v - before[k]; d > 0 && keep(k) {
			rows = append(rows, row{k, d})
			total += d
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].n > rows[j].n })
	for _, r := range rows {
		lines = append(lines, fmt.Sprintf("%s %.2f", r.key, r.n/float64(completions)))
	}
	return total / float64(completions), lines
}

// profile saves the server's CPU profile (its /debug/pprof, behind the
// admin's credentials) over d to path; it runs beside the measurement.
func profile(ctx context.Context, cs kubernetes.Interface, path string, d time.Duration) {
	raw, err := cs.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/profile").
		Param("seconds", strconv.Itoa(int(d.Seconds()))).Timeout(d + time.Minute).DoRaw(ctx)
	if err == nil {
		err = os.WriteFile(path, raw, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cpu profile: %v\n", err)
	}
}

// eventsPerPod counts the namespace's events by "component reason", per
// completion, largest first: who writes the POST events the API counts.
func eventsPerPod(ctx context.Context, cs kubernetes.Interface, completions int) []string {
	list, err := cs.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		return []string{"list events: " + err.Error()}
	}
	counts := map[string]float64{}
	for _, e := range list.Items {
		counts[e.Source.Component+" "+e.Reason]++
	}
	_, lines := perPod(nil, counts, completions, func(string) bool { return true })
	return lines
}

// eventsSettled counts the events again once their number has not changed
// for 3 s (at most settle after the Job completed): event recorders write
// from a queue, one request after another, so the count at completion may
// still grow. The difference tells events late from events lost.
func eventsSettled(ctx context.Context, cs kubernetes.Interface, completions int, settle time.Duration) []string {
	last, still := -1, 0
	for deadline := time.Now().Add(settle); time.Now().Before(deadline) && still < 3; {
		list, err := cs.CoreV1().Events("default").List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return []string{"list events: " + err.Error()}
		}
		if n := len(list.Items); n == last {
			still++
		} else {
			last, still = n, 0
		}
		if err := benchutil.Sleep(ctx, time.Second); err != nil {
			break
		}
	}
	return eventsPerPod(ctx, cs, completions)
}

// eventLosses are the log lines of client-go's event recorder (every
// controller's and the agent's) that mean an event was not stored: the
// broadcaster's queue was full, or the server refused the write, which the
// recorder does not retry.
var eventLosses = []string{"too many queued events", "Server rejected event", "Unable to write event", "Unable to construct event"}

// eventLossLines counts eventLosses in the server's log.
func eventLossLines(logPath string) map[string]int {
	f, err := os.Open(logPath)
	if err != nil {
		return map[string]int{"open log: " + err.Error(): 1}
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		for _, s := range eventLosses {
			if strings.Contains(sc.Text(), s) {
				out[s]++
			}
		}
	}
	return out
}
