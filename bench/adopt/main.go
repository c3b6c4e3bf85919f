// Command adopt measures how long pods go without an agent across a
// restart of ordo: it starts N pods (sleep, each with a readiness probe),
// kills the server with SIGKILL, starts it again, and reports the time from
// the new process's start to the agent having taken over every pod (its
// log line "took over all N adopted pods, D after start"), beside the
// time from the restart to the API serving again and the server's CPU
// (to serving, and over its first 15 s: its start-up cost). It also
// reports the memory of the pods' shims (RSS and PSS, each and in total).
//
// It starts its own `ordo server` (testcluster, $ORDO_BIN) in a temporary
// directory, stops the pods with it at the end, and removes the directory.
// It never judges the figures; it exits 1 only when something broke.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

func main() {
	pods := flag.Int("pods", 100, "running pods to adopt")
	rounds := flag.Int("rounds", 3, "kill -9 and restart this many times")
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "adopt needs root: pods are real pods")
		os.Exit(2)
	}
	fmt.Printf("ordo adoption benchmark  %s\nmachine: %+v loadavg=%s\n", time.Now().UTC().Format(time.RFC3339), benchutil.DescribeMachine(), benchutil.LoadAvg())
	if err := run(*pods, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(n, rounds int) error {
	dir, err := os.MkdirTemp("", "ordo-bench-adopt-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := testcluster.Start(filepath.Join(dir, "server"), "--max-pods", strconv.Itoa(n+10))
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	defer srv.RemoveBridge()
	defer srv.StopPods()
	defer srv.Stop()
	cs, err := srv.Clientset()
	if err != nil {
		return err
	}
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := cs.CoreV1().Pods("default").Create(ctx, pod(fmt.Sprintf("p%03d", i)), metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	if err := waitReady(cs, n, 10*time.Minute); err != nil {
		return err
	}
	fmt.Printf("%d pods Ready in %s\n", n, time.Since(start).Round(time.Millisecond))
	shimMemory(srv.DataDir)
	var tookOver, serving []time.Duration
	var cpuServing, cpuSettled []float64
	for r := 0; r < rounds; r++ {
		srv.Kill9()
		restart := time.Now()
		if err := srv.Restart(); err != nil {
			return err
		}
		up := time.Since(restart)
		pid := strconv.Itoa(srv.Pid())
		atServing, _ := benchutil.CPUSeconds(pid)
		d, err := tookOverFigure(srv.LogPath(), r+1)
		if err != nil {
			return err
		}
		if err := waitReady(cs, n, 5*time.Minute); err != nil {
			return err
		}
		time.Sleep(time.Until(restart.Add(settle)))
		settled, _ := benchutil.CPUSeconds(pid)
		tookOver, serving = append(tookOver, d), append(serving, up)
		cpuServing, cpuSettled = append(cpuServing, atServing), append(cpuSettled, settled)
		fmt.Printf("round %d: API serving %s after the restart; agent took over %d pods %s after its start; server CPU %.2f s to serving, %.2f s in its first %s\n",
			r+1, up.Round(time.Millisecond), n, d, atServing, settled, settle)
	}
	fmt.Printf("median of %d rounds: API serving %s; all %d pods taken over %s after agent start; server CPU %.2f s to serving, %.2f s in its first %s\n",
		rounds, median(serving).Round(time.Millisecond), n, median(tookOver), medianFloat(cpuServing), medianFloat(cpuSettled), settle)
	return nil
}

// settle is how long after each restart the server's CPU is read a second
// time: the start, the adoption and the controllers' first sync are done
// by then on 2 cores.
const settle = 15 * time.Second

func medianFloat(v []float64) float64 {
	s := append([]float64{}, v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func pod(name string) *corev1.Pod {
	grace := int64(1)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"sleep", "86400"},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}, PeriodSeconds: 5}}},
		},
	}
}

// waitReady waits until n pods are Ready.
func waitReady(cs kubernetes.Interface, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		list, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
		if err == nil {
			ready := 0
			for _, p := range list.Items {
				for _, c := range p.Status.Conditions {
					if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
						ready++
					}
				}
			}
			if ready == n {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%d pods not Ready after %s", n, limit)
}

var tookOverLine = regexp.MustCompile(`took over all (\d+) adopted pods, (\S+) after start`)

// tookOverFigure is the duration in the k-th "took over" line of the log.
func tookOverFigure(log string, k int) (time.Duration, error) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		data, _ := os.ReadFile(log)
		if m := tookOverLine.FindAllStringSubmatch(string(data), -1); len(m) >= k {
			return time.ParseDuration(m[k-1][2])
		}
	}
	return 0, fmt.Errorf("no %d. \"took over\" line in %s", k, log)
}

// shimMemory prints the RSS and PSS of the shims under dir.
func shimMemory(dir string) {
	var rss, pss []int64
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, path := range cmdlines {
		data, err := os.ReadFile(path)
		if err != nil || !strings.Contains(string(data), "\x00internal-shim\x00"+dir) {
			continue
		}
		pid := strings.Split(path, "/")[2]
		rss = append(rss, field("/proc/"+pid+"/status", "VmRSS:"))
		pss = append(pss, field("/proc/"+pid+"/smaps_rollup", "Pss:"))
	}
	fmt.Printf("shims: %d; RSS median %d KiB (total %d KiB); PSS median %d KiB (total %d KiB)\n",
		len(rss), medianInt(rss), sum(rss), medianInt(pss), sum(pss))
}

func field(path, name string) int64 {
	data, _ := os.ReadFile(path)
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == name {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
	}
	return 0
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func medianInt(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]int64{}, v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func sum(v []int64) int64 {
	t := int64(0)
	for _, x := range v {
		t += x
	}
	return t
}
