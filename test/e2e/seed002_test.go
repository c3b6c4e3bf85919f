package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// seed002Dir is examples/seed002-postgres: seed 002's replicated todo-db
// (listings 8.1–8.4 and 8.6) as a user runs it.
func seed002Dir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../examples/seed002-postgres")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSeed002ReplicatedPostgresAsTheChapterRunsIt walks seed 002's
// Postgres exercises with the example manifests (images that imply their
// command, no ordo-specific field), the real kubectl and the host's
// PostgreSQL: two pods come up in order, a row written on the primary is
// read on the standby, and on a third standby after kubectl scale; the
// pods' DNS names resolve from the sleep pod; a deleted primary comes
// back as pod 0 with its data and the standbys stream from it again; the
// backup CronJob run by hand writes a dump (owned by the Job's fsGroup)
// that the sleep Deployment lists and that restores to the same rows;
// suspend shows; and deleting by the chapter's label leaves nothing.
// Not parallel: three PostgreSQL servers load the machine, and its OrderedReady check compares a pod's creation with the previous pod's Ready condition's last transition, which a readiness flap under the load of tests beside it moves later.
func TestSeed002ReplicatedPostgresAsTheChapterRunsIt(t *testing.T) {
	c, cs, _ := startWithAgent(t)
	dir := seed002Dir(t)
	file := func(name string) string { return filepath.Join(dir, name) }
	start := time.Now()
	c.Run("apply", "-f", file("todo-db-config.yaml"), "-f", file("todo-db-service.yaml"), "-f", file("todo-db.yaml"))
	c.Run("rollout", "status", "statefulset/todo-db", "--timeout=180s")
	t.Logf("2 replicas Ready %.1fs after the apply", time.Since(start).Seconds())
	assertStartedAfterReady(t, cs, "todo-db-0", "todo-db-1")
	out := c.Run("get", "pods", "-l", "app=todo-db", "--no-headers")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) < 4 || f[1] != "1/1" || f[2] != "Running" || f[3] != "0" {
			t.Errorf("kubectl get pods: %q, want READY 1/1, STATUS Running, RESTARTS 0", line)
		}
	}
	if got := c.Run("logs", "todo-db-1", "-c", "initialize-replication"); !strings.Contains(got, "Standby initialised") {
		t.Errorf("todo-db-1 did not clone the primary:\n%s", got)
	}
	psql := func(pod, sql string) string {
		return strings.TrimSpace(c.Run("exec", pod, "--", "psql", "-U", "postgres", "-tAc", sql))
	}
	psql("todo-db-0", "CREATE TABLE todo (item text); INSERT INTO todo VALUES ('written on the primary')")
	waitRows := func(pod, want string) {
		t.Helper()
		waitFor(t, func() bool { return psql(pod, "SELECT string_agg(item, ',' ORDER BY item) FROM todo") == want }, pod+" reads "+want)
	}
	waitRows("todo-db-1", "written on the primary")
	if got := psql("todo-db-1", "SELECT pg_is_in_recovery()"); got != "t" {
		t.Errorf("todo-db-1 is not a standby: pg_is_in_recovery() = %q", got)
	}

	start = time.Now()
	c.Run("scale", "--replicas=3", "statefulset/todo-db")
	c.Run("wait", "--for=condition=Ready", "pod", "-l", "app=todo-db", "--timeout=180s")
	c.Run("rollout", "status", "statefulset/todo-db", "--timeout=180s")
	t.Logf("the third replica Ready %.1fs after kubectl scale", time.Since(start).Seconds())
	assertStartedAfterReady(t, cs, "todo-db-1", "todo-db-2")
	waitRows("todo-db-2", "written on the primary")
	if got := c.Run("logs", "todo-db-2", "--tail", "2"); !strings.Contains(got, "streaming WAL from primary") {
		t.Errorf("kubectl logs todo-db-2 --tail 2: %q", got)
	}

	c.Run("apply", "-f", file("sleep.yaml"))
	c.Run("rollout", "status", "deployment/sleep", "--timeout=60s")
	service := c.Run("exec", "deploy/sleep", "--", "sh", "-c", `nslookup todo-db | grep "^[^*]"`)
	for _, pod := range []string{"todo-db-0", "todo-db-1", "todo-db-2"} {
		if ip := podIP(t, cs, pod); !strings.Contains(service, "Address: "+ip) {
			t.Errorf("nslookup todo-db lacks %s's %s:\n%s", pod, ip, service)
		}
	}

	before := c.Run("get", "pod", "todo-db-0", "-o", "jsonpath={.metadata.uid}")
	start = time.Now()
	c.Run("delete", "pod", "todo-db-0")
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), "todo-db-0", metav1.GetOptions{})
		return err == nil && string(p.UID) != before && podReady(p)
	}, "a new, Ready todo-db-0")
	t.Logf("the deleted primary Ready again %.1fs after kubectl delete", time.Since(start).Seconds())
	if got := psql("todo-db-0", "SELECT pg_is_in_recovery()"); got != "f" {
		t.Errorf("the new pod 0 is not the primary: pg_is_in_recovery() = %q", got)
	}
	psql("todo-db-0", "INSERT INTO todo VALUES ('after the primary came back')")
	waitRows("todo-db-1", "after the primary came back,written on the primary")
	waitRows("todo-db-2", "after the primary came back,written on the primary")

	c.Run("apply", "-f", file("backup"))
	c.Run("create", "job", "manual-backup", "--from=cronjob/todo-db-backup")
	c.Run("wait", "--for=condition=Complete", "job/manual-backup", "--timeout=120s")
	c.Run("apply", "-f", file("sleep-with-db-backup-mount.yaml"))
	c.Run("rollout", "status", "deployment/sleep", "--timeout=60s")
	listing := c.Run("exec", "deploy/sleep", "--", "ls", "-ln", "/backup")
	dump := ""
	for _, line := range strings.Split(listing, "\n") {
		if f := strings.Fields(line); len(f) == 9 && strings.HasSuffix(f[8], ".sql") {
			dump = f[8]
			if f[2] != "999" || f[3] != "999" {
				t.Errorf("the dump is owned by %s:%s, want 999:999 (runAsUser, and fsGroup through the volume's setgid bit)", f[2], f[3])
			}
		}
	}
	if dump == "" {
		t.Fatalf("kubectl exec deploy/sleep -- ls -l /backup lists no dump:\n%s", listing)
	}
	sql := c.Run("exec", "deploy/sleep", "--", "cat", "/backup/"+dump)
	psql("todo-db-0", "CREATE DATABASE restored")
	c.RunIn(sql, "exec", "-i", "todo-db-0", "--", "psql", "-U", "postgres", "-d", "restored", "-q")
	restored := strings.TrimSpace(c.Run("exec", "todo-db-0", "--", "psql", "-U", "postgres", "-d", "restored", "-tAc", "SELECT string_agg(item, ',' ORDER BY item) FROM todo"))
	if restored != "after the primary came back,written on the primary" {
		t.Errorf("the restored dump holds %q", restored)
	}

	c.Run("apply", "-f", file("backup/update/todo-db-backup-cronjob-suspend.yaml"))
	if out := c.Run("get", "cronjob", "todo-db-backup", "--no-headers"); !strings.Contains(out, "True") {
		t.Errorf("kubectl get cronjob after suspend: %q", out)
	}
	owned := c.Run("get", "jobs", "-o", `jsonpath={.items[?(@.metadata.ownerReferences[0].name=='todo-db-backup')].metadata.name}`)
	if !strings.Contains(" "+owned+" ", " manual-backup ") { // and any */2 slot that came
		t.Errorf("jobs owned by the CronJob: %q, want manual-backup among them", owned)
	}

	c.Run("delete", "all", "-l", "kiamol=ch08")
	c.Run("delete", "pvc", "-l", "kiamol=ch08")
	waitFor(t, func() bool { return nothingLeft(t, cs) }, "nothing of the chapter left (pods, jobs, claims, volumes)")
	if left, _ := os.ReadDir(filepath.Join(c.DataDir, "volumes")); len(left) > 0 {
		t.Errorf("provisioned volume directories left: %v", left)
	}
}

// nothingLeft: no pod, Job, claim or volume remains in the cluster.
func nothingLeft(t *testing.T, cs kubernetes.Interface) bool {
	ctx := context.Background()
	pods, err1 := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	jobs, err2 := cs.BatchV1().Jobs("default").List(ctx, metav1.ListOptions{})
	pvcs, err3 := cs.CoreV1().PersistentVolumeClaims("default").List(ctx, metav1.ListOptions{})
	pvs, err4 := cs.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
	return err1 == nil && err2 == nil && err3 == nil && err4 == nil &&
		len(pods.Items)+len(jobs.Items)+len(pvcs.Items)+len(pvs.Items) == 0
}

// assertStartedAfterReady: pod later was created no earlier than pod
// earlier became Ready (OrderedReady), to the second the API keeps.
func assertStartedAfterReady(t *testing.T, cs kubernetes.Interface, earlier, later string) {
	t.Helper()
	assertStartedAfterReadyIn(t, cs, "default", earlier, later)
}

func assertStartedAfterReadyIn(t *testing.T, cs kubernetes.Interface, ns, earlier, later string) {
	t.Helper()
	get := func(name string) *corev1.Pod {
		p, err := cs.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	e, l := get(earlier), get(later)
	if ready := readyTime(e); ready.IsZero() || l.CreationTimestamp.Before(&ready) {
		t.Errorf("%s was created at %s, before %s was Ready (%s)", later, l.CreationTimestamp, earlier, ready)
	}
}

func podIP(t *testing.T, cs kubernetes.Interface, name string) string {
	t.Helper()
	return podIPIn(t, cs, "default", name)
}
