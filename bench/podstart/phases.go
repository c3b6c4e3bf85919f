package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

// bench holds what every phase needs: the clients, the namespace, the pod
// watcher, the pods of each phase and the CPU meter.
type bench struct {
	o           options
	srv         *testcluster.Server
	own         *owned
	cs          kubernetes.Interface // requests
	watchCS     kubernetes.Interface // the watch, on its own connection
	ns          string
	w           *podWatcher
	steadyNames []string
	burstNames  []string
	cpu         benchutil.CPUMeter
	ledger      cpuLedger
}

// steadyStats is the steady phase: pods created one at a time at -rate.
// Each duration starts when the create call returned, except CreateCall.
type steadyStats struct {
	CreateCall  benchutil.Latency `json:"create_call"`
	ToScheduled benchutil.Latency `json:"create_to_scheduled"`
	ToSandbox   benchutil.Latency `json:"create_to_sandbox_forked"`
	ToProcess   benchutil.Latency `json:"create_to_container_forked"`
	ToRunning   benchutil.Latency `json:"create_to_running"`
	// ForkToRunning is container fork → Running observed: exec, the status
	// write and the watch delivery.
	ForkToRunning benchutil.Latency `json:"container_forked_to_running"`
	// StartedAtOff counts pods whose startedAt (second resolution) lies
	// outside [create sent, Running observed] widened by a second.
	StartedAtOff int `json:"started_at_out_of_range"`
	startIssues
	WallS float64 `json:"wall_s"`
	// DrainS is last create returned → last pod Running: well above one
	// pod's start latency means the pace exceeded what the node sustains,
	// and the latencies include queueing.
	DrainS     float64 `json:"drain_s"`
	Reconnects int     `json:"watch_reconnects"`
}

// startIssues counts pods whose container did not start on the first
// try: their latency includes a crash back-off, not start-up work.
type startIssues struct {
	Restarted    int    `json:"restarted_before_running"`
	FirstProblem string `json:"first_problem,omitempty"`
}

func (s *startIssues) add(t podTimes) {
	if t.restarts > 0 || t.problem != "" {
		s.Restarted++
		if s.FirstProblem == "" {
			s.FirstProblem = t.problem
		}
	}
}

// deleteStats is a teardown: delete request sent → DELETED event.
type deleteStats struct {
	DeleteCall benchutil.Latency `json:"delete_call"`
	ToGone     benchutil.Latency `json:"delete_to_gone"`
	AllGoneS   float64           `json:"all_gone_s"`
}

// burstStats is the burst phase: B creates from W creators at once.
type burstStats struct {
	CreateCall  benchutil.Latency `json:"create_call"`
	ToRunning   benchutil.Latency `json:"create_to_running"`
	CreatesS    float64           `json:"creates_s"`
	AllRunningS float64           `json:"all_running_s"`
	PodsPerS    float64           `json:"pods_per_s"`
	startIssues
}

// newBench builds the clients: one unthrottled client for requests and a
// watcher on a connection of its own, as a separate process's would be.
func newBench(srv *testcluster.Server, o options, own *owned) (*bench, error) {
	cs, wcs, err := benchutil.Clients(srv)
	if err != nil {
		return nil, err
	}
	return &bench{o: o, srv: srv, own: own, cs: cs, watchCS: wcs,
		ns:  fmt.Sprintf("podstart-%d", time.Now().Unix()),
		cpu: benchutil.CPUMeter{ServerPid: strconv.Itoa(srv.Pid())}}, nil
}

// setup creates the namespace and opens the watch from its current
// resourceVersion, so every pod event of the run is seen.
func (b *bench) setup(ctx context.Context) error {
	if _, err := b.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: b.ns}}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace: %w", err)
	}
	l, err := b.cs.CoreV1().Pods(b.ns).List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	b.w, err = startWatch(ctx, b.watchCS, b.ns, l.ResourceVersion)
	return err
}

// newPod is the smallest pod that keeps a process running. A 1 s grace
// period bounds teardown: sleep as PID 1 of its namespace ignores SIGTERM,
// so every delete waits for the SIGKILL at the deadline.
func newPod(name string) *corev1.Pod {
	grace := int64(1)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"bench": "podstart"}},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name: "sleep", Image: "busybox", Command: []string{"sleep", "3600"},
			}},
		},
	}
}

// create creates one pod and stamps the call in the watcher.
func (b *bench) create(ctx context.Context, name string) error {
	sent := time.Now()
	_, err := b.cs.CoreV1().Pods(b.ns).Create(ctx, newPod(name), metav1.CreateOptions{})
	done := time.Now()
	if err != nil {
		return fmt.Errorf("create pod %s: %w", name, err)
	}
	b.w.update(name, func(t *podTimes) { t.sent, t.created = sent, done })
	return nil
}

// steady creates the pods one after another at -rate per second, a pace
// the node can keep up with, so the latencies are those of an unloaded
// system rather than of a queue; then it waits until all run.
func (b *bench) steady(ctx context.Context) (*steadyStats, error) {
	b.steadyNames = names("ps", b.o.pods)
	interval := time.Duration(float64(time.Second) / b.o.rate)
	begin := time.Now()
	for i, name := range b.steadyNames {
		if err := benchutil.Sleep(ctx, time.Until(begin.Add(time.Duration(i)*interval))); err != nil {
			return nil, err
		}
		if err := b.create(ctx, name); err != nil {
			return nil, err
		}
	}
	err := b.w.waitAll(ctx, b.steadyNames, "Running", b.o.timeout, isRunning)
	st := &steadyStats{WallS: benchutil.Round3(time.Since(begin).Seconds())}
	if err != nil {
		return st, fmt.Errorf("steady: %w", err)
	}
	b.own.recordPods(b.w, b.steadyNames)
	benchutil.Progress("steady           done: %d pods Running in %.1fs", b.o.pods, st.WallS)
	ts := b.w.snapshot(b.steadyNames)
	fillSteady(st, ts)
	st.DrainS = benchutil.Round3(latest(ts, func(t podTimes) time.Time { return t.running }).Sub(
		latest(ts, func(t podTimes) time.Time { return t.created })).Seconds())
	st.Reconnects = b.w.reconnectCount()
	return st, nil
}

func isRunning(t *podTimes) bool { return !t.running.IsZero() }
func isGone(t *podTimes) bool    { return !t.gone.IsZero() }

// fillSteady turns the stamps into latencies.
func fillSteady(st *steadyStats, ts []podTimes) {
	var call, sched, sandbox, proc, running, forkRun []time.Duration
	for _, t := range ts {
		st.add(t)
		call = append(call, t.created.Sub(t.sent))
		sched = append(sched, t.scheduled.Sub(t.created))
		running = append(running, t.running.Sub(t.created))
		if !t.sandboxFork.IsZero() {
			sandbox = append(sandbox, t.sandboxFork.Sub(t.created))
		}
		if !t.processFork.IsZero() {
			proc = append(proc, t.processFork.Sub(t.created))
			forkRun = append(forkRun, t.running.Sub(t.processFork))
		}
		if t.startedAt.Before(t.sent.Truncate(time.Second).Add(-time.Second)) || t.startedAt.After(t.running.Add(time.Second)) {
			st.StartedAtOff++
		}
	}
	st.CreateCall, st.ToScheduled, st.ToRunning = benchutil.Summarize(call), benchutil.Summarize(sched), benchutil.Summarize(running)
	st.ToSandbox, st.ToProcess, st.ForkToRunning = benchutil.Summarize(sandbox), benchutil.Summarize(proc), benchutil.Summarize(forkRun)
}

// teardown deletes the pods one after another with the default grace
// period, as `kubectl delete pod --all` does, and waits until all are gone.
func (b *bench) teardown(ctx context.Context, name string, pods []string) (*deleteStats, error) {
	t, err := benchutil.RunWorkers(ctx, len(pods), 1, func(ctx context.Context, i int) error {
		sent := time.Now()
		err := b.cs.CoreV1().Pods(b.ns).Delete(ctx, pods[i], metav1.DeleteOptions{})
		done := time.Now()
		b.w.update(pods[i], func(t *podTimes) { t.deleteSent, t.deleteDone = sent, done })
		if err != nil {
			return fmt.Errorf("delete pod %s: %w", pods[i], err)
		}
		return nil
	})
	st := &deleteStats{DeleteCall: benchutil.Summarize(benchutil.Durations(t.Start, t.End))}
	if err == nil {
		err = b.w.waitAll(ctx, pods, "gone", b.o.timeout, isGone)
	}
	if err != nil {
		return st, fmt.Errorf("%s: %w", name, err)
	}
	var gone []time.Duration
	ts := b.w.snapshot(pods)
	for _, p := range ts {
		gone = append(gone, p.gone.Sub(p.deleteSent))
	}
	st.ToGone = benchutil.Summarize(gone)
	st.AllGoneS = benchutil.Round3(latest(ts, func(t podTimes) time.Time { return t.gone }).Sub(t.Start[0]).Seconds())
	benchutil.Progress("%-16s done: %d pods gone in %.1fs", name, len(pods), st.AllGoneS)
	return st, nil
}

// burst creates B pods from W concurrent creators as fast as the server
// accepts them and times until all run: the node's throughput when a
// Deployment scales up at once.
func (b *bench) burst(ctx context.Context) (*burstStats, error) {
	b.burstNames = names("pb", b.o.burst)
	t, err := benchutil.RunWorkers(ctx, b.o.burst, b.o.creators, func(ctx context.Context, i int) error {
		return b.create(ctx, b.burstNames[i])
	})
	st := &burstStats{CreateCall: benchutil.Summarize(benchutil.Durations(t.Start, t.End)),
		CreatesS: benchutil.Round3(t.Wall.Seconds())}
	if err == nil {
		err = b.w.waitAll(ctx, b.burstNames, "Running", b.o.timeout, isRunning)
	}
	if err != nil {
		return st, fmt.Errorf("burst: %w", err)
	}
	b.own.recordPods(b.w, b.burstNames)
	var running []time.Duration
	ts := b.w.snapshot(b.burstNames)
	for _, p := range ts {
		st.add(p)
		running = append(running, p.running.Sub(p.created))
	}
	st.ToRunning = benchutil.Summarize(running)
	all := latest(ts, func(t podTimes) time.Time { return t.running }).Sub(t.Start[0])
	st.AllRunningS = benchutil.Round3(all.Seconds())
	st.PodsPerS = benchutil.Round3(float64(b.o.burst) / all.Seconds())
	benchutil.Progress("burst            done: %d pods Running in %.1fs", b.o.burst, st.AllRunningS)
	return st, nil
}

// latest is the last of one stamp over the pods.
func latest(ts []podTimes, stamp func(podTimes) time.Time) time.Time {
	var last time.Time
	for _, t := range ts {
		if s := stamp(t); s.After(last) {
			last = s
		}
	}
	return last
}

// names are the phase's pod names, sortable by creation order.
func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	return out
}

// reconnectCount is how often the watch had to be reopened.
func (w *podWatcher) reconnectCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reconnects
}
