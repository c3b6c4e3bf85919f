package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

// idleStats is the server's cost with many CronJobs registered and none due.
type idleStats struct {
	CronJobs int     `json:"cronjobs"`
	SetupS   float64 `json:"cronjob_create_s"`
	WindowS  float64 `json:"window_s"`
	CPUPct   float64 `json:"server_cpu_pct_of_one_core"`
	RSSMiB   float64 `json:"server_rss_mib"`
}

func measureIdle(ctx context.Context, o options, srv *testcluster.Server, cs kubernetes.Interface) (*idleStats, error) {
	pid := fmt.Sprint(srv.Pid())
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "idle"}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	t0 := time.Now()
	_, err := benchutil.RunWorkers(ctx, o.idle, 16, func(ctx context.Context, i int) error {
		cj := cronJob(fmt.Sprintf("yearly-%05d", i), "0 0 1 1 *", o.pods, "true")
		_, err := cs.BatchV1().CronJobs("idle").Create(ctx, cj, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return nil, err
	}
	st := &idleStats{CronJobs: o.idle, SetupS: benchutil.Round3(time.Since(t0).Seconds()), WindowS: o.idleWindow.Seconds()}
	benchutil.Progress("idle: %d CronJobs created in %.1fs; settling 10s, then measuring %s", o.idle, st.SetupS, o.idleWindow)
	if err := benchutil.Sleep(ctx, 10*time.Second); err != nil {
		return nil, err
	}
	if o.profile != "" {
		go cpuProfile(ctx, srv, o.profile+".idle", o.idleWindow)
	}
	before, err := benchutil.CPUSeconds(pid)
	if err != nil {
		return nil, err
	}
	if err := benchutil.Sleep(ctx, o.idleWindow); err != nil {
		return nil, err
	}
	after, err := benchutil.CPUSeconds(pid)
	if err != nil {
		return nil, err
	}
	heapProfile(ctx, srv, profilePath(o, ".idle-heap"))
	st.CPUPct = benchutil.Round3((after - before) / o.idleWindow.Seconds() * 100)
	if m, err := benchutil.Snapshot(pid, ""); err == nil {
		st.RSSMiB = float64(m.RSSKB) / 1024
	}
	benchutil.Progress("idle: server CPU %.2f%% of one core, RSS %.0f MiB", st.CPUPct, st.RSSMiB)
	return st, nil
}
