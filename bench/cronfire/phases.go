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
	"github.com/ordo-dev/ordo/internal/testcluster"
)

// fireStats is what one firing phase measured.
type fireStats struct {
	CronJobs int               `json:"cronjobs"`
	Runs     int               `json:"runs"`
	Created  benchutil.Latency `json:"slot_to_job_created"`
	Running  benchutil.Latency `json:"slot_to_pod_running"`
	SetupS   float64           `json:"cronjob_create_s,omitempty"`
	// ServerCPUS is the server's CPU seconds from the CronJobs' creation
	// to the last run's Job (and pod, with pods).
	ServerCPUS float64 `json:"server_cpu_s,omitempty"`
}

func measureSingle(ctx context.Context, o options, cs kubernetes.Interface) (*fireStats, error) {
	ns, w, err := phaseNamespace(ctx, cs, "single")
	if err != nil {
		return nil, err
	}
	cj := cronJob("tick", "*/2 * * * * *", o.pods, "sleep 1")
	if _, err := cs.BatchV1().CronJobs(ns).Create(ctx, cj, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	st := &fireStats{CronJobs: 1}
	err = waitRuns(ctx, w, o, o.single, st)
	report("single", st)
	if derr := deleteCronJobs(ctx, cs, ns, o.pods); err == nil {
		err = derr
	}
	return st, err
}

func measureBurst(ctx context.Context, o options, srv *testcluster.Server, cs kubernetes.Interface) (*fireStats, error) {
	ns, w, err := phaseNamespace(ctx, cs, "burst")
	if err != nil {
		return nil, err
	}
	// Far enough ahead that every CronJob exists before its slot.
	lead := 10*time.Second + time.Duration(o.burst)*5*time.Millisecond
	slot := time.Now().Add(lead).UTC().Truncate(time.Second).Add(time.Second)
	schedule := fmt.Sprintf("%d %d %d * * *", slot.Second(), slot.Minute(), slot.Hour())
	benchutil.Progress("burst: %d CronJobs with schedule %q (UTC), due at %s", o.burst, schedule, slot.Format(time.RFC3339))
	t0 := time.Now()
	_, err = benchutil.RunWorkers(ctx, o.burst, 16, func(ctx context.Context, i int) error {
		_, err := cs.BatchV1().CronJobs(ns).Create(ctx, cronJob(fmt.Sprintf("burst-%04d", i), schedule, o.pods, "sleep 5"), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return nil, err
	}
	st := &fireStats{CronJobs: o.burst, SetupS: benchutil.Round3(time.Since(t0).Seconds())}
	if time.Now().After(slot) {
		return st, fmt.Errorf("creating %d CronJobs took past their slot; raise the lead", o.burst)
	}
	if o.profile != "" {
		// From now (CronJobs created, slot ahead) to 15 s past the slot:
		// the Jobs' creation and the first pods.
		go cpuProfile(ctx, srv, o.profile+".burst", time.Until(slot)+15*time.Second)
	}
	pid := fmt.Sprint(srv.Pid())
	cpu0, _ := benchutil.CPUSeconds(pid)
	err = waitRuns(ctx, w, o, o.burst, st)
	cpu1, _ := benchutil.CPUSeconds(pid)
	st.ServerCPUS = benchutil.Round3(cpu1 - cpu0)
	heapProfile(ctx, srv, profilePath(o, ".burst-heap"))
	report("burst", st)
	if derr := deleteCronJobs(ctx, cs, ns, o.pods); err == nil {
		err = derr
	}
	return st, err
}

// waitRuns waits until want runs have their Job (and, with pods, a pod
// running), then fills st.
func waitRuns(ctx context.Context, w *runWatcher, o options, want int, st *fireStats) error {
	deadline := time.Now().Add(o.timeout)
	all := func(string) bool { return true }
	for {
		created, running, _ := w.lags(all)
		ready := len(created) >= want && (!o.pods || len(running) >= want)
		if ready || time.Now().After(deadline) || ctx.Err() != nil {
			st.Runs = len(created)
			st.Created, st.Running = benchutil.Summarize(created), benchutil.Summarize(running)
			if !ready {
				return fmt.Errorf("after %s: %d of %d Jobs created, %d pods running", o.timeout, len(created), want, len(running))
			}
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func report(phase string, st *fireStats) {
	benchutil.Progress("%-7s %d runs  slot→Job created p50 %.1fms p99 %.1fms max %.1fms | slot→pod running p50 %.1fms p99 %.1fms max %.1fms | server CPU %.2fs",
		phase, st.Runs, st.Created.P50, st.Created.P99, st.Created.Max, st.Running.P50, st.Running.P99, st.Running.Max, st.ServerCPUS)
}

// phaseNamespace creates a namespace for one phase and starts watching it.
func phaseNamespace(ctx context.Context, cs kubernetes.Interface, name string) (string, *runWatcher, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return "", nil, err
	}
	w := newRunWatcher()
	return name, w, w.start(ctx, cs, name)
}

// cronJob is a CronJob whose pod runs sh -c script, or whose Jobs are
// created suspended when pods are off.
func cronJob(name, schedule string, pods bool, script string) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.CronJobSpec{
			Schedule: schedule,
			TimeZone: ptr.To("UTC"),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				Suspend:  ptr.To(!pods),
				Template: podTemplate(script),
			}},
		},
	}
}

func podTemplate(script string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		RestartPolicy:                 corev1.RestartPolicyNever,
		TerminationGracePeriodSeconds: ptr.To[int64](1),
		Containers:                    []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"sh", "-c", script}}},
	}}
}

// deleteCronJobs deletes a phase's CronJobs with their Jobs and pods, and
// waits for the pods to be gone so the next phase starts on a quiet node.
func deleteCronJobs(ctx context.Context, cs kubernetes.Interface, ns string, pods bool) error {
	bg := metav1.DeletePropagationBackground
	if err := cs.BatchV1().CronJobs(ns).DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &bg}, metav1.ListOptions{}); err != nil {
		return err
	}
	if !pods {
		return nil
	}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		if len(list.Items) == 0 {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("pods of namespace %s still exist 3 minutes after their CronJobs were deleted", ns)
}

// waitNode waits for a Ready node when pods will run.
func waitNode(ctx context.Context, cs kubernetes.Interface, pods bool) error {
	if !pods {
		return nil
	}
	for i := 0; i < 300; i++ {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err == nil {
			for _, n := range nodes.Items {
				for _, c := range n.Status.Conditions {
					if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
						return nil
					}
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no node became Ready")
}
