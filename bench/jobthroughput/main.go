// Command jobthroughput measures how fast ordo runs a Job of many short
// pods to completion: an Indexed Job (by default 2,000 completions,
// parallelism 100, each pod running `true`) from create to its Complete
// condition, with the most pods seen active at once (which must never
// exceed parallelism) and the server's CPU.
//
// With -fake-node the server runs without its agent and this program plays
// the node: it marks every new pod Succeeded at once, so the figure is the
// Job controller's and the API's throughput without process start-up.
//
// It starts its own `ordo server` (via testcluster, honouring $ORDO_BIN)
// and removes it, its data directory and its bridge at the end. It never
// judges the figures: it exits 1 only if something broke.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

type options struct {
	completions, parallelism int
	nonIndexed, fakeNode     bool
	timeout                  time.Duration
	cpuProfile               string
	profileFor               time.Duration
	eventsSettle             time.Duration
}

// result is the machine-readable summary printed as `RESULT {json}`.
type result struct {
	OK           bool              `json:"ok"`
	Error        string            `json:"error,omitempty"`
	Completions  int               `json:"completions"`
	Parallelism  int               `json:"parallelism"`
	Indexed      bool              `json:"indexed"`
	FakeNode     bool              `json:"fake_node"`
	Machine      benchutil.Machine `json:"machine"`
	Seconds      float64           `json:"create_to_complete_s"`
	PerSecond    float64           `json:"completions_per_s"`
	FirstPodS    float64           `json:"first_pod_s"`
	MaxActive    int               `json:"max_active"`
	PodsCreated  int               `json:"pods_created"`
	ServerCPU    float64           `json:"server_cpu_s"`
	StatusWrites int               `json:"job_status_writes"`
	// ServerCPUPerPodMS is the server's CPU per completion, in ms.
	ServerCPUPerPodMS float64 `json:"server_cpu_ms_per_pod"`
	// APIWritesPerPod are the API's write requests (create, update,
	// patch, delete) per completion, from its apiserver_request_total;
	// with -fake-node they include this program's status writes.
	APIWritesPerPod float64  `json:"api_writes_per_pod"`
	APIWrites       []string `json:"api_writes_by_kind"`
	// APIReadsPerPod are the other requests but watches (get, list).
	APIReadsPerPod float64  `json:"api_reads_per_pod"`
	APIReads       []string `json:"api_reads_by_kind"`
	// Events are the events stored per completion by "component reason"
	// (aggregated ones count once).
	Events []string `json:"events_per_pod"`
	// EventsSettled counts again once no more events arrive (up to 30 s
	// after Complete); EventLosses counts the server log's lines of
	// events the recorders dropped or the server refused.
	EventsSettled  []string       `json:"events_per_pod_settled"`
	EventLosses    map[string]int `json:"event_loss_log_lines"`
	FinalizersLeft int            `json:"finalizers_left"`
	Failed         int32          `json:"failed"`
	// ExtraPods are pods beyond completions: replacements of failed pods,
	// or duplicates, which must not happen.
	ExtraPods int `json:"extra_pods"`
}

func main() {
	var o options
	flag.IntVar(&o.completions, "completions", 2000, "spec.completions")
	flag.IntVar(&o.parallelism, "parallelism", 100, "spec.parallelism")
	flag.BoolVar(&o.nonIndexed, "non-indexed", false, "a NonIndexed Job instead of an Indexed one")
	flag.BoolVar(&o.fakeNode, "fake-node", false, "run the server with --no-agent and mark pods Succeeded from here")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "how long the Job may take")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write the server's CPU profile (from its /debug/pprof), taken from the Job's create on, to this file")
	flag.DurationVar(&o.profileFor, "profile-seconds", 20*time.Second, "how long the -cpuprofile profile runs")
	flag.DurationVar(&o.eventsSettle, "events-settle", 30*time.Second, "how long after Complete the events are counted again, until their number stops changing")
	flag.Parse()
	os.Exit(run(o))
}

func run(o options) int {
	if !o.fakeNode && os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "jobthroughput: must run as root (or with -fake-node): the server runs pods as processes")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res := &result{Completions: o.completions, Parallelism: o.parallelism, Indexed: !o.nonIndexed,
		FakeNode: o.fakeNode, Machine: benchutil.DescribeMachine()}
	err := withServer(o, func(srv *testcluster.Server) error { return measure(ctx, o, srv, res) })
	if err != nil {
		res.Error = err.Error()
		fmt.Fprintf(os.Stderr, "jobthroughput: FAILED: %v\n", err)
	}
	res.OK = err == nil
	out, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", out)
	if err != nil {
		return 1
	}
	return 0
}

func withServer(o options, fn func(*testcluster.Server) error) error {
	dir, err := os.MkdirTemp("", "ordo-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Parallelism may exceed the kubelet's 110 pods per node.
	args := []string{"--max-pods", "20000"}
	if o.fakeNode {
		args = append(args, "--no-agent")
	}
	srv, err := testcluster.Start(dir, args...)
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	defer srv.RemoveBridge()
	defer benchutil.StopServer(srv)
	benchutil.Progress("server pid %d on %s; load %s", srv.Pid(), srv.Listen, benchutil.LoadAvg())
	return fn(srv)
}

func jobFor(o options) *batchv1.Job {
	mode := batchv1.IndexedCompletion
	if o.nonIndexed {
		mode = batchv1.NonIndexedCompletion
	}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "throughput", Namespace: "default"},
		Spec: batchv1.JobSpec{
			Completions:    ptr.To(int32(o.completions)),
			Parallelism:    ptr.To(int32(o.parallelism)),
			CompletionMode: &mode,
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy:                 corev1.RestartPolicyNever,
				TerminationGracePeriodSeconds: ptr.To(int64(1)),
				Containers:                    []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"true"}}},
			}},
		},
	}
}

func measure(ctx context.Context, o options, srv *testcluster.Server, res *result) error {
	cs, watches, err := benchutil.Clients(srv)
	if err != nil {
		return err
	}
	if !o.fakeNode {
		if err := waitNode(ctx, cs); err != nil {
			return err
		}
	}
	w, err := startWatch(ctx, watches, cs, o.fakeNode)
	if err != nil {
		return err
	}
	defer w.stop()
	requests0, err := apiRequests(ctx, cs)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		go profile(ctx, cs, o.cpuProfile, o.profileFor)
	}
	meter := benchutil.CPUMeter{ServerPid: fmt.Sprint(srv.Pid())}
	cpu0, t0 := meter.Sample(), time.Now()
	if _, err := cs.BatchV1().Jobs("default").Create(ctx, jobFor(o), metav1.CreateOptions{}); err != nil {
		return err
	}
	done, err := w.waitComplete(ctx, o.timeout)
	if err != nil {
		if j, gerr := cs.BatchV1().Jobs("default").Get(context.Background(), "throughput", metav1.GetOptions{}); gerr == nil {
			st, _ := json.Marshal(j.Status)
			fmt.Printf("# job status: %s\n", st)
		}
		fmt.Printf("# server log tail:\n%s\n", tail(srv.LogPath()))
		return err
	}
	res.Seconds = benchutil.Round3(done.Sub(t0).Seconds())
	res.PerSecond = benchutil.Round3(float64(o.completions) / done.Sub(t0).Seconds())
	res.ServerCPU = benchutil.Round3(meter.Since(cpu0).Server)
	res.ServerCPUPerPodMS = benchutil.Round3(res.ServerCPU * 1000 / float64(o.completions))
	if requests1, rerr := apiRequests(ctx, cs); rerr == nil {
		writes, lines := perPod(requests0, requests1, o.completions, isWrite)
		res.APIWritesPerPod, res.APIWrites = benchutil.Round3(writes), lines
		reads, lines := perPod(requests0, requests1, o.completions, func(k string) bool { return !isWrite(k) })
		res.APIReadsPerPod, res.APIReads = benchutil.Round3(reads), lines
	}
	res.Events = eventsPerPod(ctx, cs, o.completions)
	res.MaxActive, res.PodsCreated, res.StatusWrites = w.stats()
	res.FirstPodS = benchutil.Round3(w.firstPod().Sub(t0).Seconds())
	res.FinalizersLeft, err = finalizersLeft(ctx, cs)
	if j, gerr := cs.BatchV1().Jobs("default").Get(ctx, "throughput", metav1.GetOptions{}); gerr == nil {
		res.Failed = j.Status.Failed
	}
	res.ExtraPods = res.PodsCreated - o.completions
	res.EventsSettled = eventsSettled(ctx, cs, o.completions, o.eventsSettle)
	res.EventLosses = eventLossLines(srv.LogPath())
	if res.ExtraPods > int(res.Failed) {
		pods, _ := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		for _, p := range pods.Items {
			if p.Status.Phase != corev1.PodSucceeded {
				fmt.Printf("# pod %s index %s phase %s reason %q %q\n", p.Name,
					p.Annotations[batchv1.JobCompletionIndexAnnotation], p.Status.Phase, p.Status.Reason, p.Status.Message)
			}
		}
	}
	benchutil.Progress("%d completions (parallelism %d) in %.2fs: %.1f/s; first pod after %.3fs; max active %d; %d pods; %d Job status writes; server CPU %.2fs (%.1f ms a pod); %.2f API writes a pod: %s; %.2f other requests a pod: %s; events a pod: %s",
		o.completions, o.parallelism, res.Seconds, res.PerSecond, res.FirstPodS, res.MaxActive, res.PodsCreated, res.StatusWrites,
		res.ServerCPU, res.ServerCPUPerPodMS, res.APIWritesPerPod, strings.Join(res.APIWrites, ", "),
		res.APIReadsPerPod, strings.Join(res.APIReads, ", "), strings.Join(res.Events, ", "))
	benchutil.Progress("events a pod once no more arrive: %s; recorder log lines of events lost: %v",
		strings.Join(res.EventsSettled, ", "), res.EventLosses)
	return err
}

func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 6000 {
		data = data[len(data)-6000:]
	}
	return string(data)
}
