package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

const ns = "unschedulable"

// measure runs the floor window, creates the pods, waits until all are
// Unschedulable, and runs the pending window.
func measure(ctx context.Context, o options, srv *testcluster.Server, cs kubernetes.Interface, res *result) error {
	pid := strconv.Itoa(srv.Pid())
	snap := func(phase string) {
		if m, err := benchutil.Snapshot(pid, srv.DataDir); err == nil {
			res.Memory[phase] = m
			benchutil.Progress("memory %-8s %s", phase, m)
		}
	}
	if err := waitNode(ctx, cs); err != nil {
		return err
	}
	if o.floor > 0 {
		benchutil.Progress("floor: settling 10s, then measuring %s with no pods", o.floor)
		if err := benchutil.Sleep(ctx, 10*time.Second); err != nil {
			return err
		}
		pct, err := cpuPercent(ctx, pid, o.floor)
		if err != nil {
			return err
		}
		res.FloorPct = pct
		benchutil.Progress("floor: server CPU %.2f%% of one core", pct)
	}
	snap("floor")
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := benchutil.RunWorkers(ctx, o.pods, 16, func(ctx context.Context, i int) error {
		_, err := cs.CoreV1().Pods(ns).Create(ctx, hugePod(i), metav1.CreateOptions{})
		return err
	}); err != nil {
		return err
	}
	if err := waitUnschedulable(ctx, cs, o.pods, o.timeout); err != nil {
		return err
	}
	res.SetupS = benchutil.Round3(time.Since(t0).Seconds())
	benchutil.Progress("pending: %d pods Unschedulable %.1fs after the first create; settling %s, then measuring %s", o.pods, res.SetupS, o.settle, o.window)
	if err := benchutil.Sleep(ctx, o.settle); err != nil {
		return err
	}
	events0, err := countFailed(ctx, cs)
	if err != nil {
		return err
	}
	var profile chan error
	if o.profileDir != "" {
		profile = make(chan error, 1)
		go func() { profile <- saveProfile(ctx, srv, o.profileDir, o.window) }()
	}
	if res.CPUPct, err = cpuPercent(ctx, pid, o.window); err != nil {
		return err
	}
	events1, err := countFailed(ctx, cs)
	if err != nil {
		return err
	}
	res.Events = events1 - events0
	benchutil.Progress("pending: server CPU %.2f%% of one core over %s; %d FailedScheduling events recorded meanwhile", res.CPUPct, o.window, res.Events)
	snap("pending")
	if profile != nil {
		if err := <-profile; err != nil {
			return err
		}
		return saveHeap(ctx, srv, filepath.Join(o.profileDir, "heap.pb.gz"))
	}
	return nil
}

// hugePod asks for more CPU than any machine has, so no node fits it.
func hugePod(i int) *corev1.Pod {
	req := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1000")}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("huge-%04d", i), Labels: map[string]string{"bench": "unschedulable"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "busybox", Command: []string{"true"},
			Resources: corev1.ResourceRequirements{Requests: req},
		}}},
	}
}

// cpuPercent is the server's CPU over d, in percent of one core.
func cpuPercent(ctx context.Context, pid string, d time.Duration) (float64, error) {
	before, err := benchutil.CPUSeconds(pid)
	if err != nil {
		return 0, err
	}
	if err := benchutil.Sleep(ctx, d); err != nil {
		return 0, err
	}
	after, err := benchutil.CPUSeconds(pid)
	if err != nil {
		return 0, err
	}
	return benchutil.Round3((after - before) / d.Seconds() * 100), nil
}

// waitUnschedulable waits until n pods carry PodScheduled=False/Unschedulable.
func waitUnschedulable(ctx context.Context, cs kubernetes.Interface, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		done := 0
		for _, p := range pods.Items {
			if p.Spec.NodeName != "" {
				return fmt.Errorf("pod %s was bound to %s", p.Name, p.Spec.NodeName)
			}
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonUnschedulable {
					done++
				}
			}
		}
		if done >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d pods Unschedulable after %s", done, n, timeout)
		}
		if err := benchutil.Sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

// countFailed sums the counts of the FailedScheduling events in the
// namespace: an attempt either adds an event or bumps one's count.
func countFailed(ctx context.Context, cs kubernetes.Interface) (int, error) {
	evs, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=FailedScheduling"})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, e := range evs.Items {
		total += int(max(e.Count, 1))
	}
	return total, nil
}

// waitNode waits for a Ready node.
func waitNode(ctx context.Context, cs kubernetes.Interface) error {
	for i := 0; i < 300; i++ {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err == nil {
			for _, n := range nodes.Items {
				if testcluster.NodeReady(&n) {
					return nil
				}
			}
		}
		if err := benchutil.Sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("no node became Ready")
}

// saveProfile saves the server's CPU profile over d into dir/cpu.pb.gz.
func saveProfile(ctx context.Context, srv *testcluster.Server, dir string, d time.Duration) error {
	return fetchTo(ctx, srv, "/debug/pprof/profile", filepath.Join(dir, "cpu.pb.gz"), "seconds", strconv.Itoa(int(d.Seconds())))
}

// saveHeap saves the server's heap profile into file.
func saveHeap(ctx context.Context, srv *testcluster.Server, file string) error {
	return fetchTo(ctx, srv, "/debug/pprof/heap", file)
}

// fetchTo GETs path (with query parameters given as name, value pairs)
// from the server's API port and writes the body to file.
func fetchTo(ctx context.Context, srv *testcluster.Server, path, file string, params ...string) error {
	cs, err := srv.Clientset()
	if err != nil {
		return err
	}
	req := cs.CoreV1().RESTClient().Get().AbsPath(path).Timeout(5 * time.Minute)
	for i := 0; i+1 < len(params); i += 2 {
		req = req.Param(params[i], params[i+1])
	}
	body, err := req.DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, body, 0o644)
}
