package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// seed002AcrossNodes runs seed 002's replicated Postgres on the same
// machines: primary and standby land on different nodes, each claim's
// local volume on its pod's node (the PV's nodeAffinity); a row written on
// the primary streams to the standby on the other node; the deleted
// standby comes back on its volume's node with its data and streams the
// rows written meanwhile.
func seed002AcrossNodes(t *testing.T, c *testcluster.T, cs kubernetes.Interface) {
	t.Helper()
	file := func(name string) string { return filepath.Join(seed002Dir(t), name) }
	start := time.Now()
	c.Run("apply", "-f", file("todo-db-config.yaml"), "-f", file("todo-db-service.yaml"), "-f", file("todo-db.yaml"))
	if _, _, err := c.Kubectl(context.Background(), "", "rollout", "status", "statefulset/todo-db", "--timeout=150s"); err != nil {
		out, _, _ := c.Kubectl(context.Background(), "", "describe", "pods", "-l", "app=todo-db")
		for _, ctr := range []string{"wait-service", "initialize-replication", "db"} {
			logs, _, _ := c.Kubectl(context.Background(), "", "logs", "-l", "app=todo-db", "-c", ctr, "--tail=15")
			out += "\n--- logs " + ctr + ":\n" + logs
		}
		t.Fatalf("todo-db not rolled out: %v\n%s", err, out)
	}
	t.Logf("todo-db's 2 replicas Ready %.1fs after the apply", time.Since(start).Seconds())
	nodeOf := func(pod string) string {
		return c.Run("get", "pod", pod, "-o=jsonpath={.spec.nodeName}")
	}
	volumeNode := func(pod string) string {
		pv := c.Run("get", "pvc", "data-"+pod, "-o=jsonpath={.spec.volumeName}")
		return c.Run("get", "pv", pv, "-o=jsonpath={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}")
	}
	primaryNode, standbyNode := nodeOf("todo-db-0"), nodeOf("todo-db-1")
	if primaryNode == standbyNode {
		t.Errorf("primary and standby both on %s", primaryNode)
	}
	for pod, node := range map[string]string{"todo-db-0": primaryNode, "todo-db-1": standbyNode} {
		if got := volumeNode(pod); got != node {
			t.Errorf("%s runs on %s, its volume is on %q", pod, node, got)
		}
	}
	psql := func(pod, sql string) string {
		return strings.TrimSpace(c.Run("exec", pod, "--", "psql", "-U", "postgres", "-tAc", sql))
	}
	rows := func(pod, want string) {
		t.Helper()
		waitFor(t, func() bool { return psql(pod, "SELECT string_agg(item, ',' ORDER BY item) FROM todo") == want }, pod+" reads "+want)
	}
	psql("todo-db-0", "CREATE TABLE todo (item text); INSERT INTO todo VALUES ('a')")
	rows("todo-db-1", "a")

	before := c.Run("get", "pod", "todo-db-1", "-o=jsonpath={.metadata.uid}")
	start = time.Now()
	c.Run("delete", "pod", "todo-db-1", "--wait=false")
	psql("todo-db-0", "INSERT INTO todo VALUES ('b')")
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), "todo-db-1", metav1.GetOptions{})
		return err == nil && string(p.UID) != before && podReady(p)
	}, "a new, Ready todo-db-1")
	t.Logf("the deleted standby Ready again %.1fs after kubectl delete", time.Since(start).Seconds())
	if got := nodeOf("todo-db-1"); got != standbyNode {
		t.Errorf("the standby came back on %s, its volume is on %s", got, standbyNode)
	}
	if got := psql("todo-db-1", "SELECT pg_is_in_recovery()"); got != "t" {
		t.Errorf("the new todo-db-1 is not a standby: pg_is_in_recovery() = %q", got)
	}
	rows("todo-db-1", "a,b")
}
