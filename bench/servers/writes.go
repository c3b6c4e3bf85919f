package main

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster/machines"
)

// writeFigure is one write phase: client-observed create latency and
// creates per second of wall time.
type writeFigure struct {
	Latency benchutil.Latency `json:"latency"`
	PerSec  float64           `json:"creates_per_s"`
}

// writePhases creates o.writes ConfigMaps through m's API one after
// another, then o.writes more from o.workers concurrent writers, and
// records both under "<label> serial" and "<label> xW".
func writePhases(ctx context.Context, o options, m *machines.Machine, label string, res *result) error {
	cs, _, err := benchutil.Clients(m.Server)
	if err != nil {
		return err
	}
	for _, w := range []int{1, o.workers} {
		name := fmt.Sprintf("%s, %d writer(s)", label, w)
		prefix := fmt.Sprintf("w%d-%d", len(res.Writes), w)
		t, err := benchutil.RunWorkers(ctx, o.writes, w, func(ctx context.Context, i int) error {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", prefix, i)},
				Data: map[string]string{"k": "0123456789abcdef0123456789abcdef"}}
			_, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		f := writeFigure{Latency: benchutil.Summarize(benchutil.Durations(t.Start, t.End)),
			PerSec: benchutil.Round3(float64(o.writes) / t.Wall.Seconds())}
		res.Writes[name] = f
		benchutil.Progress("%-26s p50 %6.1f ms  p99 %6.1f ms  %6.0f creates/s", name, f.Latency.P50, f.Latency.P99, f.PerSec)
	}
	return nil
}

// printWrites prints the write phases side by side: 1 server against 3.
func printWrites(o options, res *result) {
	fmt.Printf("\n%-22s %22s %22s\n", "ConfigMap creates", "1 server", "3 servers")
	for _, w := range []string{"1 writer(s)", fmt.Sprintf("%d writer(s)", o.workers)} {
		one, three := res.Writes["1 server, "+w], res.Writes["3 servers, "+w]
		fmt.Printf("%-22s %9.1f/%6.1f ms %4.0f/s %9.1f/%6.1f ms %4.0f/s   (p50/p99, creates/s)\n",
			w, one.Latency.P50, one.Latency.P99, one.PerSec, three.Latency.P50, three.Latency.P99, three.PerSec)
	}
}
