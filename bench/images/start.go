package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/image/imagetest"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

// nodeName is this benchmark's node, so its cgroups and claims never meet
// another server's on the machine.
const nodeName = "bench-images"

// seqBatch is how many pods of each kind start one after another before
// the node is emptied (not counted), so the node never nears its limit of
// 110 pods and both kinds start on a node as full.
const seqBatch = 25

// startRef is the present image's repository:tag: busybox plus a small
// layer, a typical small service image.
const startRef = "bench/busybox:1"

// kind is one way a container's root is made.
type kind struct {
	label  string
	image  string
	policy corev1.PullPolicy
}

// kindStats are one kind's start latencies (create returned → Running
// observed) and the server's CPU per start.
type kindStats struct {
	Sequential    benchutil.Latency `json:"sequential"`
	Burst         benchutil.Latency `json:"burst"`
	ServerCPUPerS float64           `json:"server_cpu_s_per_start"`
	seq, burst    []time.Duration
	srvCPU        float64
}

type startStats struct {
	Pods        int       `json:"pods"`
	Burst       int       `json:"burst"`
	BurstRounds int       `json:"burst_rounds"`
	PrePullS    float64   `json:"pre_pull_s"`
	Image       kindStats `json:"image"`
	Host        kindStats `json:"host_root"`
}

// starter runs the start phase against one server.
type starter struct {
	o   options
	srv *testcluster.Server
	cs  kubernetes.Interface
	w   *runWatcher
	n   atomic.Int64 // pods named so far
}

// startPhase starts a server, pre-pulls the image with a first pod, then
// starts pods of both kinds, one after another (alternating) and in
// bursts (alternating rounds), and removes everything at the end.
func startPhase(ctx context.Context, o options, reg *registry) (st *startStats, err error) {
	img, err := imagetest.BusyboxWith(map[string]imagetest.File{
		"app":         imagetest.Dir(0o755),
		"app/version": imagetest.Text("1\n", 0o644),
	}, v1Config())
	if err != nil {
		return nil, err
	}
	if err := reg.push(startRef, img); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ordo-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srv, err := testcluster.Start(dir, "--node-name", nodeName)
	if err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	defer func() {
		benchutil.StopServer(srv)
		srv.RemoveBridge()
		if err != nil && ctx.Err() == nil {
			fmt.Printf("server log tail (%s):\n%s\n", srv.LogPath(), logTail(srv.LogPath()))
		}
	}()
	benchutil.Progress("server pid %d on %s, node %s", srv.Pid(), srv.Listen, nodeName)
	cs, wcs, err := benchutil.Clients(srv)
	if err != nil {
		return nil, err
	}
	s := &starter{o: o, srv: srv, cs: cs}
	if err := s.waitNode(ctx); err != nil {
		return nil, err
	}
	if s.w, err = watchRunning(ctx, wcs); err != nil {
		return nil, err
	}
	defer s.w.stop()
	st = &startStats{Pods: o.pods, Burst: o.burst, BurstRounds: o.burstRounds}
	present := kind{"image (present)", reg.ref(startRef), corev1.PullIfNotPresent}
	host := kind{"host root (table)", "busybox:1.36", corev1.PullNever}
	// The first pod of each kind pulls the image, or warms the table path.
	t0 := time.Now()
	if _, err := s.start(ctx, present); err != nil {
		return st, fmt.Errorf("pre-pull pod: %w", err)
	}
	st.PrePullS = benchutil.Round3(time.Since(t0).Seconds())
	if _, err := s.start(ctx, host); err != nil {
		return st, fmt.Errorf("first host-root pod: %w", err)
	}
	benchutil.Progress("image pulled by a first pod in %.2fs", st.PrePullS)
	kinds := []*kindStats{&st.Image, &st.Host}
	defer func() {
		for _, k := range kinds {
			k.Sequential, k.Burst = benchutil.Summarize(k.seq), benchutil.Summarize(k.burst)
			if n := len(k.seq); n > 0 {
				k.ServerCPUPerS = benchutil.Round3(k.srvCPU / float64(n))
			}
		}
	}()
	both := []kind{present, host}
	for i := range o.pods {
		// Empty the node now and then, not to reach its pod limit (110).
		if i > 0 && i%seqBatch == 0 {
			if err := s.deleteAll(ctx); err != nil {
				return st, err
			}
		}
		for j := range 2 {
			k := (i + j) % 2 // alternate which kind goes first
			c0 := s.serverCPU()
			d, err := s.start(ctx, both[k])
			if err != nil {
				return st, err
			}
			kinds[k].seq = append(kinds[k].seq, d)
			kinds[k].srvCPU += s.serverCPU() - c0
		}
	}
	benchutil.Progress("sequential: %d pods of each kind started", o.pods)
	if err := s.deleteAll(ctx); err != nil {
		return st, err
	}
	for r := range o.burstRounds {
		for j := range 2 {
			k := (r + j) % 2
			ds, err := s.burst(ctx, both[k])
			if err != nil {
				return st, err
			}
			kinds[k].burst = append(kinds[k].burst, ds...)
			if err := s.deleteAll(ctx); err != nil {
				return st, err
			}
		}
	}
	if o.profile != "" {
		for _, k := range both {
			if err := s.deleteAll(ctx); err != nil {
				return st, err
			}
			if err := s.profile(ctx, k); err != nil {
				return st, err
			}
		}
	}
	return st, nil
}

func v1Config() v1.Config {
	return v1.Config{Cmd: []string{"sh"}, Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}
}

// pod is a pod running `sleep 3600` on k's image.
func (s *starter) pod(k kind) *corev1.Pod {
	grace := int64(0)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", s.n.Add(1))},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name: "c", Image: k.image, ImagePullPolicy: k.policy,
				Command: []string{"sleep", "3600"},
			}},
		},
	}
}

// start creates one pod and waits until it runs: create returned →
// Running observed.
func (s *starter) start(ctx context.Context, k kind) (time.Duration, error) {
	p := s.pod(k)
	ch := s.w.expect(p.Name)
	if _, err := s.cs.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
		return 0, err
	}
	created := time.Now()
	select {
	case at := <-ch:
		return at.Sub(created), nil
	case <-time.After(s.o.timeout):
		return 0, s.notRunning(ctx, p.Name)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// burst creates -burst pods of k at once and waits until all run.
func (s *starter) burst(ctx context.Context, k kind) ([]time.Duration, error) {
	ds := make([]time.Duration, s.o.burst)
	_, err := benchutil.RunWorkers(ctx, s.o.burst, s.o.burst, func(ctx context.Context, i int) error {
		d, err := s.start(ctx, k)
		ds[i] = d
		return err
	})
	return ds, err
}

// notRunning says why a pod did not run in time.
func (s *starter) notRunning(ctx context.Context, name string) error {
	p, err := s.cs.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("pod %s not Running after %s: %w", name, s.o.timeout, err)
	}
	var why []string
	for _, c := range p.Status.ContainerStatuses {
		if c.State.Waiting != nil {
			why = append(why, c.State.Waiting.Reason+": "+c.State.Waiting.Message)
		}
		if c.State.Terminated != nil {
			why = append(why, fmt.Sprintf("terminated %s (%d)", c.State.Terminated.Reason, c.State.Terminated.ExitCode))
		}
	}
	return fmt.Errorf("pod %s (%s) not Running after %s: phase %s %s", name, p.Spec.Containers[0].Image, s.o.timeout, p.Status.Phase, strings.Join(why, "; "))
}

// deleteAll deletes the namespace's pods and waits until they are gone,
// so each round starts on an empty node.
func (s *starter) deleteAll(ctx context.Context) error {
	if err := s.cs.CoreV1().Pods("default").DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		return err
	}
	deadline := time.Now().Add(s.o.timeout)
	for {
		l, err := s.cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err == nil && len(l.Items) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pods not gone %s after deleting them (%v)", s.o.timeout, err)
		}
		if err := benchutil.Sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

func (s *starter) waitNode(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for {
		n, err := s.cs.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err == nil && testcluster.NodeReady(n) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s not Ready after a minute (%v)", nodeName, err)
		}
		if err := benchutil.Sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

func (s *starter) serverCPU() float64 {
	c, _ := benchutil.CPUSeconds(strconv.Itoa(s.srv.Pid()))
	return c
}

func printStart(st *startStats) {
	fmt.Printf("\n== container start: create returned → Running observed (watch), ms; node %s, pods run `sleep 3600`\n", nodeName)
	fmt.Printf("the image was pulled by a first pod in %.2fs (not counted); a first host-root pod is not counted either\n", st.PrePullS)
	fmt.Printf("%-20s %-11s %6s %9s %9s %9s %9s  %s\n", "root", "mode", "n", "p50", "p90", "p99", "max", "server CPU s/start")
	for _, k := range []struct {
		name string
		s    kindStats
	}{{"image (present)", st.Image}, {"host root (table)", st.Host}} {
		fmt.Printf("%-20s %-11s %6d %9.1f %9.1f %9.1f %9.1f  %.3f\n", k.name, "sequential", k.s.Sequential.Count, k.s.Sequential.P50, k.s.Sequential.P90, k.s.Sequential.P99, k.s.Sequential.Max, k.s.ServerCPUPerS)
		if k.s.Burst.Count > 0 {
			fmt.Printf("%-20s %-11s %6d %9.1f %9.1f %9.1f %9.1f\n", "", fmt.Sprintf("burst of %d", st.Burst), k.s.Burst.Count, k.s.Burst.P50, k.s.Burst.P90, k.s.Burst.P99, k.s.Burst.Max)
		}
	}
	ratio := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	fmt.Printf("image / host root: sequential p50 %.2f, p99 %.2f", ratio(st.Image.Sequential.P50, st.Host.Sequential.P50), ratio(st.Image.Sequential.P99, st.Host.Sequential.P99))
	if st.Image.Burst.Count > 0 {
		fmt.Printf("; burst p50 %.2f, p99 %.2f", ratio(st.Image.Burst.P50, st.Host.Burst.P50), ratio(st.Image.Burst.P99, st.Host.Burst.P99))
	}
	fmt.Println()
}

func logTail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 3000 {
		data = data[len(data)-3000:]
	}
	return string(data)
}

// profileSeconds is how long each kind's CPU profile runs.
const profileSeconds = 20

// profile saves the server's CPU profile (its /debug/pprof, as
// warmrunner's) while pods of k start one after another, to
// -cpuprofile's FILE.image or FILE.host.
func (s *starter) profile(ctx context.Context, k kind) error {
	file := s.o.profile + ".host"
	if k.policy != corev1.PullNever {
		file = s.o.profile + ".image"
	}
	done := make(chan error, 1)
	go func() {
		out, stderr, err := s.srv.Kubectl(ctx, "", "get", "--raw", fmt.Sprintf("/debug/pprof/profile?seconds=%d", profileSeconds))
		if err != nil {
			done <- fmt.Errorf("cpu profile: %v: %s", err, stderr)
			return
		}
		done <- os.WriteFile(file, []byte(out), 0o644)
	}()
	end := time.Now().Add(profileSeconds * time.Second)
	n := 0
	for time.Now().Before(end) {
		if _, err := s.start(ctx, k); err != nil {
			return err
		}
		n++
		// Keep the node below its pod limit (110): the deletions fall in
		// both kinds' profiles alike.
		name := fmt.Sprintf("p%d", s.n.Load())
		if err := s.cs.CoreV1().Pods("default").Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			return err
		}
	}
	if err := <-done; err != nil {
		return err
	}
	benchutil.Progress("%s: server CPU profile over %d starts in %s", k.label, n, file)
	return nil
}
