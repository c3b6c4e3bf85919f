package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// redisCluster is examples/seed003-redis-cluster, seed 003's manifests.
type redisCluster struct {
	t  *testing.T
	c  *testcluster.T
	cs kubernetes.Interface
}

func (r redisCluster) cli(pod string, args ...string) string {
	r.t.Helper()
	return strings.TrimSpace(r.c.Run(append([]string{"-n", "dev", "exec", pod, "--", "redis-cli"}, args...)...))
}

func (r redisCluster) role(pod string) string {
	out, _, err := r.c.Kubectl(context.Background(), "", "-n", "dev", "exec", pod, "--", "redis-cli", "role")
	if err != nil {
		return ""
	}
	return strings.SplitN(strings.TrimSpace(out), "\n", 2)[0]
}

// replicaOf is the pod whose IP the master's ROLE lists as its replica,
// once it lists one (a replica reconnects a moment after its master
// restarts).
func (r redisCluster) replicaOf(master string) string {
	r.t.Helper()
	var lines []string
	waitFor(r.t, func() bool {
		lines = strings.Split(r.cli(master, "role"), "\n")
		return len(lines) >= 3 && lines[0] == "master"
	}, master+" lists a replica")
	for i := 0; i < 6; i++ {
		pod := "redis-app-" + strconv.Itoa(i)
		if podIPIn(r.t, r.cs, "dev", pod) == strings.TrimSpace(lines[2]) {
			return pod
		}
	}
	r.t.Fatalf("no pod has %s's replica IP %s", master, lines[2])
	return ""
}

func (r redisCluster) waitClusterOK(what string) {
	r.t.Helper()
	waitFor(r.t, func() bool {
		for i := 0; i < 6; i++ {
			out, _, err := r.c.Kubectl(context.Background(), "", "-n", "dev", "exec", "redis-app-"+strconv.Itoa(i), "--", "redis-cli", "cluster", "info")
			if err != nil || !strings.Contains(out, "cluster_state:ok") {
				return false
			}
		}
		return true
	}, what)
}

func (r redisCluster) checkKeys(n int) {
	r.t.Helper()
	for i := 0; i < n; i++ {
		k := "key" + strconv.Itoa(i)
		if got := r.cli("redis-app-0", "-c", "-h", "redis-access-service", "get", k); got != "value"+strconv.Itoa(i) {
			r.t.Errorf("get %s through redis-access-service: %q", k, got)
		}
	}
}

// TestSeed003RedisClusterAsTheSeedRunsIt: seed 003's six-node Redis
// Cluster on the host's redis-server, with the seed's manifests (the
// apps/v1beta1 StatefulSet with no selector, the ConfigMap made by
// kubectl create configmap --from-file) and per-pod claims: the pods
// answer on their DNS names, the cluster made from those names is ok,
// the access Service serves redis-cli -c, a deleted master's pod comes
// back with its node identity and rejoins, and a hung master whose pod is
// deleted is failed over to its replica, the replacement rejoining as a
// replica, with every key written before still readable.
func TestSeed003RedisClusterAsTheSeedRunsIt(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	dir, err := filepath.Abs("../../examples/seed003-redis-cluster")
	if err != nil {
		t.Fatal(err)
	}
	file := func(name string) string { return filepath.Join(dir, name) }
	r := redisCluster{t: t, c: c, cs: cs}
	start := time.Now()
	c.Run("apply", "-f", file("namespace.yml"), "-f", file("headless-service.yml"))
	c.Run("-n", "dev", "create", "configmap", "redis-conf", "--from-file="+file("redis.conf"))
	c.Run("apply", "-f", file("redis-node.yml"))
	waitFor(t, func() bool {
		pods, err := cs.CoreV1().Pods("dev").List(context.Background(), metav1.ListOptions{LabelSelector: "app=redis-app"})
		ready := 0
		for i := range pods.Items {
			if podReady(&pods.Items[i]) {
				ready++
			}
		}
		return err == nil && ready == 6
	}, "six Ready redis-app pods")
	t.Logf("6 pods Ready %.1fs after the apply", time.Since(start).Seconds())
	for i := 1; i < 6; i++ {
		assertStartedAfterReadyIn(t, cs, "dev", "redis-app-"+strconv.Itoa(i-1), "redis-app-"+strconv.Itoa(i))
	}
	for i := 0; i < 6; i++ {
		name := "redis-app-" + strconv.Itoa(i) + ".redis-service.dev.svc.cluster.local"
		if got := r.cli("redis-app-0", "-h", name, "ping"); got != "PONG" {
			t.Errorf("redis-cli -h %s ping: %q", name, got)
		}
	}

	start = time.Now()
	cmd := exec.Command(file("create-cluster.sh"))
	cmd.Env = append(os.Environ(), "KUBECTL="+c.Bin+" kubectl", "KUBECONFIG="+c.Kubeconfig())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("create-cluster.sh: %v\n%s", err, out.String())
	}
	r.waitClusterOK("cluster_state:ok on all six nodes")
	t.Logf("cluster ok %.1fs after create-cluster.sh started", time.Since(start).Seconds())
	masters := 0
	for i := 0; i < 6; i++ {
		if r.role("redis-app-"+strconv.Itoa(i)) == "master" {
			masters++
		}
	}
	if masters != 3 {
		t.Errorf("%d masters, want 3 (and 3 replicas)", masters)
	}

	c.Run("apply", "-f", file("redis-access-service.yml"))
	for i := 0; i < 20; i++ {
		if got := r.cli("redis-app-0", "-c", "-h", "redis-access-service", "set", "key"+strconv.Itoa(i), "value"+strconv.Itoa(i)); got != "OK" {
			t.Fatalf("set through redis-access-service: %q", got)
		}
	}
	r.checkKeys(20)

	// A plain delete: ordo has the pod back (same name, same claim, a new
	// IP) well inside the 5 s node timeout, so it keeps its node ID and
	// its role, and the cluster is whole again.
	master := "redis-app-" + strconv.Itoa(firstMaster(r))
	id := r.cli(master, "cluster", "myid")
	ipBefore := podIPIn(t, cs, "dev", master)
	c.Run("-n", "dev", "delete", "pod", master)
	c.Run("-n", "dev", "wait", "--for=condition=Ready", "pod/"+master, "--timeout=60s")
	if got := r.cli(master, "cluster", "myid"); got != id {
		t.Errorf("%s came back as node %s, was %s: its claim's nodes.conf was not kept", master, got, id)
	}
	t.Logf("%s back with IP %s (was %s)", master, podIPIn(t, cs, "dev", master), ipBefore)
	r.waitClusterOK("cluster ok after " + master + " was replaced")
	r.checkKeys(20)

	// A hung master (stopped from the host), deleted: its replica takes
	// over within the node timeout, and the replacement rejoins as a
	// replica of it.
	master = "redis-app-" + strconv.Itoa(firstMaster(r))
	replica := r.replicaOf(master)
	stopRedisOf(t, cs, master)
	start = time.Now()
	c.Run("-n", "dev", "delete", "pod", master, "--wait=false")
	waitFor(t, func() bool { return r.role(replica) == "master" }, replica+" promoted")
	t.Logf("%s master %.1fs after %s hung and its pod was deleted", replica, time.Since(start).Seconds(), master)
	c.Run("-n", "dev", "wait", "--for=condition=Ready", "pod/"+master, "--timeout=60s")
	waitFor(t, func() bool { return r.role(master) == "slave" }, master+" back as a replica")
	r.waitClusterOK("cluster ok after the failover")
	r.checkKeys(20)

	// ordo killed under the running cluster: the six nodes live on and the
	// restarted server adopts them, with their IPs and no restart.
	before := redisPods(t, cs)
	c.Kill9()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	r.waitClusterOK("cluster ok after ordo's kill -9 and restart")
	r.checkKeys(20)
	for name, was := range before {
		if now := redisPods(t, cs)[name]; now != was {
			t.Errorf("%s after the restart: %s, before: %s", name, now, was)
		}
	}
}

// redisPods is each redis-app pod's IP, UID and restart count.
func redisPods(t *testing.T, cs kubernetes.Interface) map[string]string {
	t.Helper()
	pods, err := cs.CoreV1().Pods("dev").List(context.Background(), metav1.ListOptions{LabelSelector: "app=redis-app"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range pods.Items {
		restarts := int32(0)
		for _, st := range p.Status.ContainerStatuses {
			restarts += st.RestartCount
		}
		out[p.Name] = fmt.Sprintf("ip %s uid %s restarts %d", p.Status.PodIP, p.UID, restarts)
	}
	return out
}

// firstMaster is the lowest ordinal whose role is master.
func firstMaster(r redisCluster) int {
	for i := 0; i < 6; i++ {
		if r.role("redis-app-"+strconv.Itoa(i)) == "master" {
			return i
		}
	}
	r.t.Fatal("no master")
	return 0
}

// stopRedisOf sends SIGSTOP, from the host, to the redis-server of a pod
// (found by the pod's UID in its cgroup path): inside the pod it is PID 1,
// which ignores a stop signal from its own namespace.
func stopRedisOf(t *testing.T, cs kubernetes.Interface, pod string) {
	t.Helper()
	p, err := cs.CoreV1().Pods("dev").Get(context.Background(), pod, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cgroup")
	for _, cg := range procs {
		data, err := os.ReadFile(cg)
		if err != nil || !bytes.Contains(data, []byte(string(p.UID)+"_redis_")) {
			continue
		}
		dir := filepath.Dir(cg)
		if comm, _ := os.ReadFile(filepath.Join(dir, "comm")); !strings.HasPrefix(string(comm), "redis-server") {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(dir))
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no redis-server process of %s (uid %s)", pod, p.UID)
}

func podIPIn(t *testing.T, cs kubernetes.Interface, ns, name string) string {
	t.Helper()
	p, err := cs.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil || p.Status.PodIP == "" {
		t.Fatalf("pod %s has no IP: %v", name, err)
	}
	return p.Status.PodIP
}
