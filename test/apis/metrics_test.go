package apis

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"
)

// hogMiB is what the hog pod keeps resident: a file of that size on a
// memory-backed emptyDir, whose pages are charged to the container's
// memory cgroup for as long as the file exists.
const hogMiB = 48

// hogPod fills a memory emptyDir with hogMiB MiB and burns CPU under a
// 200m limit, in a container named "hog", beside an idle "idle" one.
func hogPod(ns string) *corev1.Pod {
	script := fmt.Sprintf("dd if=/dev/zero of=/m/fill bs=1048576 count=%d 2>/dev/null && touch /m/done; while :; do :; done", hogMiB)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "hog", Namespace: ns, Labels: map[string]string{"app": "hog"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "hog", Image: "busybox", Command: []string{"sh", "-c", script},
				VolumeMounts: []corev1.VolumeMount{{Name: "m", MountPath: "/m"}},
				Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("200m"), corev1.ResourceMemory: resource.MustParse("256Mi"),
				}},
			}, {
				Name: "idle", Image: "busybox", Command: []string{"sleep", "3600"},
			}},
			Volumes: []corev1.Volume{{Name: "m", VolumeSource: corev1.VolumeSource{
				EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory},
			}}},
			TerminationGracePeriodSeconds: new(int64),
		},
	}
}

func metricsClient(t *testing.T) metricsclient.Interface {
	t.Helper()
	mc, err := metricsclient.NewForConfig(restConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return mc
}

// TestTopPodMatchesTheCgroup runs a pod that holds a known amount of
// memory and burns CPU, reads its metrics through metrics.k8s.io (as the
// HorizontalPodAutoscaler does, with the metrics clientset) and through
// `kubectl top`, and checks the memory figure against the working set
// read from the container's own cgroup files.
func TestTopPodMatchesTheCgroup(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	cs, mc, c := clientset(t), metricsClient(t), server(t)
	ctx := context.Background()
	pod, err := cs.CoreV1().Pods(ns).Create(ctx, hogPod(ns), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Pods(ns).Delete(ctx, "hog", metav1.DeleteOptions{}) })

	// The figures come once the agent has sampled the filled container.
	var m *metricsv1beta1.PodMetrics
	waitFor(t, func() bool {
		m, err = mc.MetricsV1beta1().PodMetricses(ns).Get(ctx, "hog", metav1.GetOptions{})
		return err == nil && len(m.Containers) == 2 && usage(m, "hog", corev1.ResourceMemory) >= hogMiB<<20
	}, "pod metrics showing the hog's memory")
	if m.Window.Duration <= 0 || m.Timestamp.IsZero() {
		t.Errorf("window %v, timestamp %v: want both set", m.Window, m.Timestamp)
	}
	if cpu := usage(m, "hog", corev1.ResourceCPU); cpu <= 0 || cpu > 220_000_000 {
		t.Errorf("hog CPU = %dn, want above 0 and within its 200m limit", cpu)
	}

	// The memory figure is the cgroup's working set. The agent reports
	// its last sample; the container holds still, so they agree within
	// what a shell's allocations move.
	want := cgroupWorkingSet(t, string(pod.UID), "hog")
	m, err = mc.MetricsV1beta1().PodMetricses(ns).Get(ctx, "hog", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := usage(m, "hog", corev1.ResourceMemory)
	if diff := got - want; diff < -1<<20 || diff > 1<<20 {
		t.Errorf("hog memory = %d bytes, the cgroup's working set is %d (more than 1 MiB apart)", got, want)
	}

	t.Logf("hog: API %d bytes, cgroup working set %d bytes; CPU %dn over %v", got, want, usage(m, "hog", corev1.ResourceCPU), m.Window.Duration)

	// kubectl top prints the pod's total and, with --containers, each.
	out := c.Run("top", "pod", "-n", ns)
	t.Logf("kubectl top pod:\n%s", out)
	row := fieldsOf(t, out, "hog")
	if len(row) != 3 || !strings.HasSuffix(row[1], "m") || mib(t, row[2]) < hogMiB {
		t.Errorf("kubectl top pod:\n%s", out)
	}
	out = c.Run("top", "pod", "-n", ns, "--containers", "-l", "app=hog")
	for _, name := range []string{"hog", "idle"} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			found = found || len(f) == 4 && f[0] == "hog" && f[1] == name
		}
		if !found {
			t.Errorf("kubectl top pod --containers has no row for container %s:\n%s", name, out)
		}
	}
	// The objects are read as any others, with metrics-server's columns.
	out = c.Run("get", "pods.metrics.k8s.io", "-n", ns)
	if row := fieldsOf(t, out, "hog"); !strings.HasPrefix(out, "NAME") || !strings.Contains(out, "CPU") || !strings.Contains(out, "WINDOW") || len(row) != 4 {
		t.Errorf("kubectl get pods.metrics.k8s.io:\n%s", out)
	}
	if _, errOut, err := c.Kubectl(ctx, "", "top", "pod", "-n", ns, "-l", "app=other"); err != nil || !strings.Contains(errOut, "No resources found") {
		t.Errorf("kubectl top pod -l app=other: %v\n%s", err, errOut)
	}
}

// TestTopNode: the node's figures, from its root cgroups.
func TestTopNode(t *testing.T) {
	t.Parallel()
	mc, c := metricsClient(t), server(t)
	ctx := context.Background()
	var m *metricsv1beta1.NodeMetrics
	var err error
	waitFor(t, func() bool {
		m, err = mc.MetricsV1beta1().NodeMetricses().Get(ctx, nodeName, metav1.GetOptions{})
		return err == nil
	}, "node metrics")
	if m.Usage.Memory().Value() <= 0 || m.Usage.Cpu().MilliValue() < 0 || m.Window.Duration <= 0 {
		t.Errorf("node metrics: %+v", m)
	}
	out := c.Run("top", "node")
	t.Logf("kubectl top node:\n%s", out)
	row := fieldsOf(t, out, nodeName)
	if len(row) != 5 || !strings.HasSuffix(row[1], "m") || !strings.HasSuffix(row[2], "%") || mib(t, row[3]) <= 0 {
		t.Errorf("kubectl top node:\n%s", out)
	}
	if !strings.Contains(out, "CPU(cores)") || !strings.Contains(out, "MEMORY(bytes)") {
		t.Errorf("kubectl top node has not kubectl's columns:\n%s", out)
	}
}

// TestMetricsAPIErrorsAndAccess: metrics-server's NotFound wording, and
// RBAC as Kubernetes grants it (view reads metrics; nobody else does).
func TestMetricsAPIErrorsAndAccess(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	out := c.Run("api-resources", "--api-group=metrics.k8s.io", "--no-headers")
	if n, p := fieldsOf(t, out, "nodes"), fieldsOf(t, out, "pods"); strings.Join(n[1:], " ") != "metrics.k8s.io/v1beta1 false NodeMetrics" ||
		strings.Join(p[1:], " ") != "metrics.k8s.io/v1beta1 true PodMetrics" {
		t.Errorf("kubectl api-resources --api-group=metrics.k8s.io:\n%s", out)
	}
	if out := c.Fail("", "top", "pod", "nosuch", "-n", ns); !strings.Contains(out, fmt.Sprintf(`podmetrics.metrics.k8s.io "%s/nosuch" not found`, ns)) {
		t.Errorf("kubectl top pod nosuch:\n%s", out)
	}
	if out := c.Fail("", "get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes/nosuch"); !strings.Contains(out, `nodemetrics.metrics.k8s.io "nosuch" not found`) {
		t.Errorf("get nodes/nosuch:\n%s", out)
	}
	c.Run("create", "rolebinding", "alice-view", "--clusterrole=view", "--user=alice", "-n", ns)
	waitFor(t, func() bool {
		out, _, err := c.Kubectl(context.Background(), "", "auth", "can-i", "list", "pods.metrics.k8s.io", "-n", ns, "--as=alice")
		return err == nil && strings.TrimSpace(out) == "yes"
	}, "alice may list pod metrics through view")
	c.Run("top", "pod", "-n", ns, "--as=alice")
	if out := c.Fail("", "top", "pod", "-n", ns, "--as=bob"); !strings.Contains(out, "forbidden") {
		t.Errorf("bob's kubectl top pod:\n%s", out)
	}
}

func usage(m *metricsv1beta1.PodMetrics, container string, r corev1.ResourceName) int64 {
	for _, c := range m.Containers {
		if c.Name == container {
			q := c.Usage[r]
			if r == corev1.ResourceCPU {
				return q.ScaledValue(resource.Nano)
			}
			return q.Value()
		}
	}
	return -1
}

// cgroupWorkingSet reads the working set of the container's cgroup
// (ordo-<node>/<pod uid>_<container>_<run>) from the kernel's files:
// usage less the inactive file cache, on cgroup v2 or v1.
func cgroupWorkingSet(t *testing.T, uid, container string) int64 {
	t.Helper()
	base := "/sys/fs/cgroup"
	usageFile, inactiveKey := "memory.current", "inactive_file"
	if _, err := os.Stat(filepath.Join(base, "cgroup.controllers")); err != nil {
		base, usageFile, inactiveKey = filepath.Join(base, "memory"), "memory.usage_in_bytes", "total_inactive_file"
	}
	dirs, _ := filepath.Glob(filepath.Join(base, "ordo-"+nodeName, uid+"_"+container+"_*"))
	if len(dirs) != 1 {
		t.Fatalf("cgroups of %s/%s: %v", uid, container, dirs)
	}
	raw, err := os.ReadFile(filepath.Join(dirs[0], usageFile))
	if err != nil {
		t.Fatal(err)
	}
	used, _ := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	stat, err := os.ReadFile(filepath.Join(dirs[0], "memory.stat"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(stat), "\n") {
		if k, v, _ := strings.Cut(line, " "); k == inactiveKey {
			inactive, _ := strconv.ParseInt(v, 10, 64)
			return used - inactive
		}
	}
	t.Fatalf("%s has no %s", dirs[0], inactiveKey)
	return 0
}

// fieldsOf is the row of kubectl's output whose first column is name.
func fieldsOf(t *testing.T, out, name string) []string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return f
		}
	}
	t.Fatalf("no row %s in:\n%s", name, out)
	return nil
}

// mib reads kubectl top's memory column ("65Mi").
func mib(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.TrimSuffix(s, "Mi"), 10, 64)
	if err != nil || !strings.HasSuffix(s, "Mi") {
		t.Fatalf("memory column %q is not in Mi", s)
	}
	return n
}
