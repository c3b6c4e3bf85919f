// Command workloads measures the apps/v1 controllers end to end on a real
// server: how long a 6-replica OrderedReady StatefulSet with a readiness
// probe takes from create to all pods Ready, and how long a 20-replica
// Deployment takes to become available and to finish a `rollout restart`.
// Each is run -runs times; it prints every run and the median, with the
// machine. It never judges the figures; it exits 1 only when something
// broke (an API error, a rollout that never finished within -timeout).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

func main() {
	runs := flag.Int("runs", 3, "runs of each measurement")
	setSize := flag.Int("statefulset", 6, "StatefulSet replicas")
	deploySize := flag.Int("deployment", 20, "Deployment replicas")
	timeout := flag.Duration("timeout", 3*time.Minute, "how long one rollout may take")
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "workloads: must run as root (pods need namespaces and a bridge)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *runs, int32(*setSize), int32(*deploySize), *timeout); err != nil {
		fmt.Fprintf(os.Stderr, "workloads: FAILED: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, runs int, setSize, deploySize int32, timeout time.Duration) error {
	dir, err := os.MkdirTemp("", "ordo-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := testcluster.Start(dir)
	if err != nil {
		return err
	}
	defer srv.RemoveBridge()
	defer benchutil.StopServer(srv)
	cs, _, err := benchutil.Clients(srv)
	if err != nil {
		return err
	}
	m := benchutil.DescribeMachine()
	fmt.Printf("ordo apps/v1 workload benchmark  %s\nmachine: NumCPU=%d GOMAXPROCS=%d kernel=%s go=%s loadavg=%s\n",
		time.Now().UTC().Format(time.RFC3339), m.NumCPU, m.GOMAXPROCS, m.Kernel, m.GoVersion, benchutil.LoadAvg())
	if err := waitNodeReady(ctx, cs, timeout); err != nil {
		return err
	}
	var set, avail, restart []time.Duration
	for i := 0; i < runs; i++ {
		d, err := statefulSetUp(ctx, cs, fmt.Sprint("db", i), setSize, timeout)
		if err != nil {
			return err
		}
		set = append(set, d)
		a, r, err := deploymentRollout(ctx, cs, fmt.Sprint("web", i), deploySize, timeout)
		if err != nil {
			return err
		}
		avail, restart = append(avail, a), append(restart, r)
		fmt.Printf("# run %d: statefulset %d Ready %.2fs; deployment %d available %.2fs, restart %.2fs\n",
			i+1, setSize, d.Seconds(), deploySize, a.Seconds(), r.Seconds())
	}
	fmt.Printf("\n%-48s %8s %8s %8s\n", "figure (s)", "median", "min", "max")
	for _, row := range []struct {
		name string
		ds   []time.Duration
	}{
		{fmt.Sprintf("statefulset create → %d Ready (OrderedReady)", setSize), set},
		{fmt.Sprintf("deployment create → %d available", deploySize), avail},
		{fmt.Sprintf("deployment rollout restart → complete (%d)", deploySize), restart},
	} {
		sort.Slice(row.ds, func(i, j int) bool { return row.ds[i] < row.ds[j] })
		fmt.Printf("%-48s %8.2f %8.2f %8.2f\n", row.name, row.ds[len(row.ds)/2].Seconds(), row.ds[0].Seconds(), row.ds[len(row.ds)-1].Seconds())
	}
	return nil
}

func waitNodeReady(ctx context.Context, cs kubernetes.Interface, timeout time.Duration) error {
	return poll(ctx, timeout, "a Ready node", func() (bool, error) {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, n := range nodes.Items {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					return true, nil
				}
			}
		}
		return false, nil
	})
}

// podTemplate runs sleep with a readiness probe every second, as a real
// service's pod would carry one; sleep ignores SIGTERM, hence the short
// grace period.
func podTemplate(app string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](1), Containers: []corev1.Container{{
			Name: "c", Image: "busybox", Command: []string{"sleep", "3600"},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}, PeriodSeconds: 1},
		}}},
	}
}

func statefulSetUp(ctx context.Context, cs kubernetes.Interface, name string, n int32, timeout time.Duration) (time.Duration, error) {
	set := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appsv1.StatefulSetSpec{
		Replicas: &n, ServiceName: name, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
		Template: podTemplate(name)}}
	start := time.Now()
	if _, err := cs.AppsV1().StatefulSets("default").Create(ctx, set, metav1.CreateOptions{}); err != nil {
		return 0, err
	}
	err := poll(ctx, timeout, "statefulset "+name+" Ready", func() (bool, error) {
		s, err := cs.AppsV1().StatefulSets("default").Get(ctx, name, metav1.GetOptions{})
		return err == nil && s.Status.ReadyReplicas == n, err
	})
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	return took, cs.AppsV1().StatefulSets("default").Delete(ctx, name, metav1.DeleteOptions{})
}

func deploymentRollout(ctx context.Context, cs kubernetes.Interface, name string, n int32, timeout time.Duration) (avail, restart time.Duration, err error) {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appsv1.DeploymentSpec{
		Replicas: &n, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}, Template: podTemplate(name)}}
	start := time.Now()
	if _, err := cs.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		return 0, 0, err
	}
	if err := waitComplete(ctx, cs, name, 1, timeout); err != nil {
		return 0, 0, err
	}
	avail = time.Since(start)
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":%q}}}}}`, time.Now().Format(time.RFC3339))
	start = time.Now()
	if _, err := cs.AppsV1().Deployments("default").Patch(ctx, name, "application/strategic-merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
		return 0, 0, err
	}
	if err := waitComplete(ctx, cs, name, 2, timeout); err != nil {
		return 0, 0, err
	}
	restart = time.Since(start)
	return avail, restart, cs.AppsV1().Deployments("default").Delete(ctx, name, metav1.DeleteOptions{})
}

// waitComplete waits as kubectl rollout status does, at generation gen.
func waitComplete(ctx context.Context, cs kubernetes.Interface, name string, gen int64, timeout time.Duration) error {
	return poll(ctx, timeout, "deployment "+name+" rolled out", func() (bool, error) {
		d, err := cs.AppsV1().Deployments("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		want := *d.Spec.Replicas
		st := d.Status
		return st.ObservedGeneration >= gen && st.UpdatedReplicas == want && st.Replicas == want && st.AvailableReplicas == want, nil
	})
}

// poll checks cond every 20 ms until it holds, fails, or timeout passes.
func poll(ctx context.Context, timeout time.Duration, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s", what)
		}
		if err := benchutil.Sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
}
