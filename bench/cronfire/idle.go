package main

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// idleStats is the server's cost with many CronJobs registered and none due.
type idleStats struct {
	CronJobs int     `json:"cronjobs"`
	SetupS   float64 `json:"cronjob_create_s"`
	WindowS  float64 `json:"window_s"`
	CPUPct   float64 `json:"server_cpu_pct_of_one_core"`
	RSSMiB   float64 `json:"server_rss_mib"`
}

func measureIdle(ctx context.Context, o options, cs kubernetes.Interface, pid string) (*idleStats, error) {
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
	st.CPUPct = benchutil.Round3((after - before) / o.idleWindow.Seconds() * 100)
	if m, err := benchutil.Snapshot(pid, ""); err == nil {
		st.RSSMiB = float64(m.RSSKB) / 1024
	}
	benchutil.Progress("idle: server CPU %.2f%% of one core, RSS %.0f MiB", st.CPUPct, st.RSSMiB)
	return st, nil
}

// jobStats is the Indexed Job's completion rate.
type jobStats struct {
	Completions int     `json:"completions"`
	Parallelism int     `json:"parallelism"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"completions_per_s"`
	ServerCPUS  float64 `json:"server_cpu_s"`
}

func measureIndexedJob(ctx context.Context, o options, cs kubernetes.Interface) (*jobStats, error) {
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "indexed"},
		Spec: batchv1.JobSpec{
			Completions:    ptr.To(int32(o.completions)),
			Parallelism:    ptr.To(int32(o.parallelism)),
			CompletionMode: ptr.To(batchv1.IndexedCompletion),
			BackoffLimit:   ptr.To[int32](0),
			Template:       podTemplate("true"),
		},
	}
	t0 := time.Now()
	if _, err := cs.BatchV1().Jobs("default").Create(ctx, job, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	deadline := t0.Add(o.timeout)
	for time.Now().Before(deadline) {
		j, err := cs.BatchV1().Jobs("default").Get(ctx, "indexed", metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		for _, c := range j.Status.Conditions {
			if c.Status != corev1.ConditionTrue {
				continue
			}
			switch c.Type {
			case batchv1.JobFailed:
				return nil, fmt.Errorf("indexed job failed: %s: %s", c.Reason, c.Message)
			case batchv1.JobComplete:
				d := time.Since(t0).Seconds()
				st := &jobStats{Completions: o.completions, Parallelism: o.parallelism, Seconds: benchutil.Round3(d),
					PerSecond: benchutil.Round3(float64(j.Status.Succeeded) / d)}
				benchutil.Progress("indexed job: %d completions (parallelism %d) in %.1fs: %.1f/s", j.Status.Succeeded, o.parallelism, d, st.PerSecond)
				return st, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil, fmt.Errorf("indexed job not complete after %s", o.timeout)
}
