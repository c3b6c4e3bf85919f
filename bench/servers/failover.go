package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/testcluster/machines"
)

// failoverFigures are the leader kills: per kill, the time from the kill
// to the next Job created, and the slots of an every-second CronJob with
// Kubernetes' default catch-up that did not run (named missed) and of one
// with ordo.dev/catch-up: all that ran late (and how late at most).
type failoverFigures struct {
	Kills      []killFigure `json:"kills"`
	MedianNext float64      `json:"median_next_slot_s"`
	Lost       int          `json:"catch_up_all_slots_lost"`
}

type killFigure struct {
	Server       string  `json:"server"`
	NextSlot     float64 `json:"next_slot_s"`
	Missed       int     `json:"default_slots_missed"`
	CaughtUp     int     `json:"catch_up_all_slots_late"`
	MaxLateness  float64 `json:"catch_up_all_max_late_s"`
	killed, next time.Time
}

// measureFailover runs two every-second CronJobs (Jobs suspended: no
// pods) and kills the controllers' leader o.kills times.
func measureFailover(ctx context.Context, o options, servers []*machines.Machine) (*failoverFigures, error) {
	clients := map[*machines.Machine]kubernetes.Interface{}
	for _, m := range servers {
		cfg, err := m.Server.RESTConfig()
		if err != nil {
			return nil, err
		}
		cfg.Timeout = 5 * time.Second
		if clients[m], err = kubernetes.NewForConfig(cfg); err != nil {
			return nil, err
		}
	}
	cs := clients[servers[0]]
	for _, name := range []string{"tick", "all"} {
		if _, err := cs.BatchV1().CronJobs("default").Create(ctx, tickCronJob(name), metav1.CreateOptions{}); err != nil {
			return nil, err
		}
	}
	if err := benchutil.Sleep(ctx, 5*time.Second); err != nil {
		return nil, err
	}
	f := &failoverFigures{}
	for k := 0; k < o.kills; k++ {
		leader, err := leaderOf(ctx, servers, clients)
		if err != nil {
			return f, err
		}
		kf := killFigure{Server: leader.NodeName, killed: time.Now()}
		leader.Kill9()
		survivor := clients[others(servers, leader)[0]]
		if kf.next, err = nextJob(ctx, survivor); err != nil {
			return f, err
		}
		kf.NextSlot = benchutil.Round3(kf.next.Sub(kf.killed).Seconds())
		benchutil.Progress("kill %d of the leader %s: next Job after %.1fs", k+1, leader.NodeName, kf.NextSlot)
		if err := leader.Server.Restart(); err != nil {
			return f, err
		}
		f.Kills = append(f.Kills, kf)
		if err := benchutil.Sleep(ctx, 5*time.Second); err != nil {
			return f, err
		}
	}
	return f, tally(ctx, cs, f)
}

func tickCronJob(name string) *batchv1.CronJob {
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.CronJobSpec{
			Schedule:                "* * * * * *",
			StartingDeadlineSeconds: ptr.To[int64](60),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				Suspend: ptr.To(true),
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"true"}}},
				}},
			}},
		},
	}
	if name == "all" {
		cj.Annotations = map[string]string{cron.CatchUpAnnotation: string(cron.CatchUpAll)}
	}
	return cj
}

func others(servers []*machines.Machine, not *machines.Machine) []*machines.Machine {
	var out []*machines.Machine
	for _, m := range servers {
		if m != not {
			out = append(out, m)
		}
	}
	return out
}

// leaderOf is the server whose id holds the controllers' Lease.
func leaderOf(ctx context.Context, servers []*machines.Machine, clients map[*machines.Machine]kubernetes.Interface) (*machines.Machine, error) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		for _, via := range servers {
			l, err := clients[via].CoordinationV1().Leases("kube-system").Get(ctx, "ordo-controller-manager", metav1.GetOptions{})
			if err != nil || l.Spec.HolderIdentity == nil {
				continue
			}
			for _, m := range servers {
				id, _ := os.ReadFile(filepath.Join(m.DataDir, "server-id"))
				if strings.TrimSpace(string(id)) == *l.Spec.HolderIdentity {
					return m, nil
				}
			}
		}
		if err := benchutil.Sleep(ctx, 200*time.Millisecond); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no server holds the controllers' Lease after 60s")
}

// nextJob polls the Jobs every 100 ms and returns when one appears that
// the first list did not have.
func nextJob(ctx context.Context, cs kubernetes.Interface) (time.Time, error) {
	var before map[string]bool
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		jobs, err := cs.BatchV1().Jobs("default").List(ctx, metav1.ListOptions{})
		if err == nil {
			now := map[string]bool{}
			for _, j := range jobs.Items {
				now[j.Name] = true
			}
			if before == nil {
				before = now
			}
			for n := range now {
				if !before[n] {
					return time.Now(), nil
				}
			}
		}
		if err := benchutil.Sleep(ctx, 100*time.Millisecond); err != nil {
			return time.Time{}, err
		}
	}
	return time.Time{}, fmt.Errorf("no new Job 90s after the leader's kill")
}

// tally reads the Jobs and counts, per kill window (kill to next Job),
// the default CronJob's slots not run and the catch-up-all CronJob's slots
// run late; a catch-up-all slot without a Job, or a slot with two, is an
// error.
func tally(ctx context.Context, cs kubernetes.Interface, f *failoverFigures) error {
	if err := benchutil.Sleep(ctx, 3*time.Second); err != nil {
		return err
	}
	jobs, err := cs.BatchV1().Jobs("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	runs := map[string]map[int64]time.Time{"tick": {}, "all": {}} // slot → Job created
	for _, j := range jobs.Items {
		o := metav1.GetControllerOf(&j)
		at, err := time.Parse(time.RFC3339, j.Annotations[batchv1.CronJobScheduledTimestampAnnotation])
		if o == nil || err != nil {
			continue
		}
		if _, dup := runs[o.Name][at.Unix()]; dup {
			return fmt.Errorf("slot %s of %s ran twice", at, o.Name)
		}
		runs[o.Name][at.Unix()] = j.CreationTimestamp.Time
	}
	first, last := span(runs["all"])
	for s := first; s <= last; s++ {
		if _, ok := runs["all"][s]; !ok {
			f.Lost++
		}
	}
	var nexts []float64
	for i := range f.Kills {
		k := &f.Kills[i]
		for s := k.killed.Unix(); s <= k.next.Unix(); s++ {
			if _, ok := runs["tick"][s]; !ok {
				k.Missed++
			}
			if made, ok := runs["all"][s]; ok && made.Unix()-s >= 2 {
				k.CaughtUp++
				k.MaxLateness = max(k.MaxLateness, float64(made.Unix()-s))
			}
		}
		nexts = append(nexts, k.NextSlot)
	}
	sort.Float64s(nexts)
	if len(nexts) > 0 {
		f.MedianNext = nexts[len(nexts)/2]
	}
	if f.Lost > 0 {
		return fmt.Errorf("%d slots of the catch-up-all CronJob never ran", f.Lost)
	}
	return nil
}

func span(slots map[int64]time.Time) (first, last int64) {
	for s := range slots {
		if first == 0 || s < first {
			first = s
		}
		last = max(last, s)
	}
	return first, last
}

// printFailover prints one line per kill and the median.
func printFailover(f *failoverFigures) {
	if f == nil {
		return
	}
	fmt.Printf("\n%-28s %10s %16s %22s\n", "leader kill -9", "next slot", "default: missed", "catch-up all: late/max")
	for i, k := range f.Kills {
		fmt.Printf("%-28s %9.1fs %16d %15d/%5.0fs\n", fmt.Sprintf("%d: %s", i+1, k.Server), k.NextSlot, k.Missed, k.CaughtUp, k.MaxLateness)
	}
	fmt.Printf("median time from the leader's kill -9 to the next slot fired: %.1fs; catch-up-all slots lost: %d\n", f.MedianNext, f.Lost)
}
