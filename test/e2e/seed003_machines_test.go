package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/testcluster"
	"github.com/ordo-dev/ordo/internal/testcluster/machines"
)

// TestSeedsAcrossMachines: seed 003's Redis Cluster on
// five machines, three servers of one etcd cluster (--cluster-init, two
// --join) and two agents. The seed's podAntiAffinity is preferred and
// selects app=redis, a label its pods (app=redis-app) do not carry, so it
// constrains nothing: the pods spread only because the scheduler prefers
// the node with fewest pods, and the test asserts that spread (every node
// holds one or two). The cluster made from the pods' DNS names is ok, keys
// set through the access Service are read with redis-cli -c from a pod on
// every node (each redirected across nodes to the key's master). Then a
// machine holding exactly one master, whose replica is elsewhere, loses
// power (every process killed): Redis' own failover (cluster-node-timeout
// 5 s) promotes the replica on another node, the live nodes report
// cluster_state:ok again and every key is still readable. The machine
// back (its agent restarted), its pods start again from their volumes
// there and the old master rejoins as a replica. Then seed 002's replicated
// Postgres runs on the same machines (seed002AcrossNodes).
func TestSeedsAcrossMachines(t *testing.T) {
	t.Parallel()
	start := time.Now()
	sl := startServerLab(t, 3)
	via := sl.servers[0]
	all := append([]*machines.Machine{}, sl.servers...)
	for _, name := range []string{"agent1", "agent2"} {
		m := mustM(t)(sl.lab.AddMachine(name))
		if _, err := m.StartAgent(via); err != nil {
			t.Fatal(err)
		}
		all = append(all, m)
	}
	c := testcluster.Bind(t, via.Server)
	cs := sl.client(via)
	waitFor(t, func() bool {
		nodes, err := cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
		ready := 0
		for i := range nodes.Items {
			if testcluster.NodeReady(&nodes.Items[i]) {
				ready++
			}
		}
		return err == nil && ready == 5
	}, "five Ready nodes")
	t.Logf("3 servers and 2 agents, 5 nodes Ready, in %.1fs", time.Since(start).Seconds())

	dir, err := filepath.Abs("../../examples/seed003-redis-cluster")
	if err != nil {
		t.Fatal(err)
	}
	file := func(name string) string { return filepath.Join(dir, name) }
	start = time.Now()
	c.Run("apply", "-f", file("namespace.yml"), "-f", file("headless-service.yml"), "-f", file("redis-access-service.yml"))
	c.Run("-n", "dev", "create", "configmap", "redis-conf", "--from-file="+file("redis.conf"))
	c.Run("apply", "-f", file("redis-node.yml"))
	eventually(t, 150*time.Second, "six Ready redis-app pods", func() error {
		pods, err := cs.CoreV1().Pods("dev").List(context.Background(), metav1.ListOptions{LabelSelector: "app=redis-app"})
		if err != nil {
			return err
		}
		ready := 0
		for i := range pods.Items {
			if podReady(&pods.Items[i]) {
				ready++
			}
		}
		if ready != 6 {
			return fmt.Errorf("%d of 6 Ready", ready)
		}
		return nil
	})
	t.Logf("6 pods Ready %.1fs after the apply", time.Since(start).Seconds())
	nodeOf, ipOf := redisPlacement(t, cs)
	t.Logf("placement %v", nodeOf)
	perNode := map[string][]string{}
	for pod, node := range nodeOf {
		perNode[node] = append(perNode[node], pod)
	}
	for _, m := range all {
		if n := len(perNode[m.NodeName]); n < 1 || n > 2 {
			t.Errorf("node %s holds %d redis pods %v, want 1 or 2 (placement %v)", m.NodeName, n, perNode[m.NodeName], nodeOf)
		}
	}

	start = time.Now()
	cmd := exec.Command(file("create-cluster.sh"))
	cmd.Env = append(os.Environ(), "KUBECTL="+via.Server.Bin+" kubectl", "KUBECONFIG="+via.Server.Kubeconfig())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("create-cluster.sh: %v\n%s", err, out.String())
	}
	live := []string{"redis-app-0", "redis-app-1", "redis-app-2", "redis-app-3", "redis-app-4", "redis-app-5"}
	waitRedisOK(t, c, live, "cluster_state:ok on all six pods")
	t.Logf("cluster ok %.1fs after create-cluster.sh started", time.Since(start).Seconds())

	const keys = 10
	for i := 0; i < keys; i++ {
		k := strconv.Itoa(i)
		if got := strings.TrimSpace(c.Run("-n", "dev", "exec", "redis-app-0", "--", "redis-cli", "-c", "-h", "redis-access-service", "set", "key"+k, "value"+k)); got != "OK" {
			t.Fatalf("set key%s through redis-access-service: %q", k, got)
		}
	}
	readKeys(t, c, live, keys)

	// Power loss of a machine holding exactly one master, whose replica
	// runs elsewhere, and not the server the agents and kubectl use.
	masters, replicaOf := redisRoles(t, c, ipOf)
	victim, master := failoverVictim(all[1:], perNode, masters, replicaOf, nodeOf)
	if victim == nil {
		t.Fatalf("no machine but %s holds exactly one master with its replica elsewhere: masters %v, replicas %v, placement %v",
			via.Name, masters, replicaOf, nodeOf)
	}
	replica := replicaOf[master]
	t.Logf("killing %s (%v): master %s, its replica %s on %s", victim.Name, perNode[victim.NodeName], master, replica, nodeOf[replica])
	if err := victim.KillAll(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	eventually(t, 60*time.Second, replica+" promoted to master", func() error {
		if role := redisRole(c, replica); role != "master" {
			return fmt.Errorf("role %q", role)
		}
		return nil
	})
	t.Logf("%s master %.1fs after %s lost power", replica, time.Since(start).Seconds(), victim.Name)
	live = live[:0]
	for pod, node := range nodeOf {
		if node != victim.NodeName {
			live = append(live, pod)
		}
	}
	sort.Strings(live)
	waitRedisOK(t, c, live, "cluster_state:ok on the live pods after the failover")
	t.Logf("cluster ok %.1fs after %s lost power", time.Since(start).Seconds(), victim.Name)
	readKeys(t, c, live, keys)

	// The machine comes back (its agent restarted): its pods start again
	// from their volumes on it, and the old master rejoins as a replica.
	start = time.Now()
	if err := victim.Agent.Restart(via.Server); err != nil {
		t.Fatal(err)
	}
	eventually(t, 90*time.Second, master+" back as a replica", func() error {
		if role := redisRole(c, master); role != "slave" {
			return fmt.Errorf("role %q", role)
		}
		return nil
	})
	all6 := []string{"redis-app-0", "redis-app-1", "redis-app-2", "redis-app-3", "redis-app-4", "redis-app-5"}
	waitRedisOK(t, c, all6, "cluster_state:ok on all six pods after "+victim.Name+" came back")
	t.Logf("%s a replica, cluster whole, %.1fs after %s's agent restarted", master, time.Since(start).Seconds(), victim.Name)
	readKeys(t, c, all6, keys)

	seed002AcrossNodes(t, c, cs)
}

// redisPlacement is each redis-app pod's node and IP.
func redisPlacement(t *testing.T, cs kubernetes.Interface) (nodeOf, ipOf map[string]string) {
	t.Helper()
	pods, err := cs.CoreV1().Pods("dev").List(context.Background(), metav1.ListOptions{LabelSelector: "app=redis-app"})
	if err != nil {
		t.Fatal(err)
	}
	nodeOf, ipOf = map[string]string{}, map[string]string{}
	for _, p := range pods.Items {
		nodeOf[p.Name], ipOf[p.Name] = p.Spec.NodeName, p.Status.PodIP
	}
	return nodeOf, ipOf
}

// redisRoles reads CLUSTER NODES from redis-app-0: the master pods, and
// each master's replica pod (pods found by IP).
func redisRoles(t *testing.T, c *testcluster.T, ipOf map[string]string) ([]string, map[string]string) {
	t.Helper()
	podOf := map[string]string{}
	for pod, ip := range ipOf {
		podOf[ip] = pod
	}
	idPod := map[string]string{}
	masterID := map[string]string{} // replica pod -> its master's ID
	var masters []string
	for _, line := range strings.Split(strings.TrimSpace(c.Run("-n", "dev", "exec", "redis-app-0", "--", "redis-cli", "cluster", "nodes")), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		pod := podOf[strings.SplitN(f[1], ":", 2)[0]]
		idPod[f[0]] = pod
		switch {
		case strings.Contains(f[2], "master"):
			masters = append(masters, pod)
		case strings.Contains(f[2], "slave"):
			masterID[pod] = f[3]
		}
	}
	replicaOf := map[string]string{}
	for replica, id := range masterID {
		replicaOf[idPod[id]] = replica
	}
	sort.Strings(masters)
	return masters, replicaOf
}

// failoverVictim is the first of ms holding exactly one master whose
// replica is on another node, and that master.
func failoverVictim(ms []*machines.Machine, perNode map[string][]string, masters []string, replicaOf, nodeOf map[string]string) (*machines.Machine, string) {
	// Agents first: a server's loss also costs an etcd member.
	sort.SliceStable(ms, func(i, j int) bool {
		return strings.HasPrefix(ms[i].Name, "agent") && !strings.HasPrefix(ms[j].Name, "agent")
	})
	for _, m := range ms {
		var held []string
		for _, pod := range perNode[m.NodeName] {
			for _, master := range masters {
				if pod == master {
					held = append(held, pod)
				}
			}
		}
		if len(held) == 1 && replicaOf[held[0]] != "" && nodeOf[replicaOf[held[0]]] != m.NodeName {
			return m, held[0]
		}
	}
	return nil, ""
}

func redisRole(c *testcluster.T, pod string) string {
	out, _, err := c.Kubectl(context.Background(), "", "-n", "dev", "exec", pod, "--", "redis-cli", "role")
	if err != nil {
		return ""
	}
	return strings.SplitN(strings.TrimSpace(out), "\n", 2)[0]
}

// waitRedisOK waits until every pod of pods reports cluster_state:ok.
func waitRedisOK(t *testing.T, c *testcluster.T, pods []string, what string) {
	t.Helper()
	eventually(t, 90*time.Second, what, func() error {
		for _, pod := range pods {
			out, stderr, err := c.Kubectl(context.Background(), "", "-n", "dev", "exec", pod, "--", "redis-cli", "cluster", "info")
			if err != nil || !strings.Contains(out, "cluster_state:ok") {
				return fmt.Errorf("%s: %v %.40q %s", pod, err, out, stderr)
			}
		}
		return nil
	})
}

// readKeys reads key0..key<n-1> with redis-cli -c from each pod's own
// Redis, which redirects to the key's master wherever it runs.
func readKeys(t *testing.T, c *testcluster.T, pods []string, n int) {
	t.Helper()
	var want []string
	for i := 0; i < n; i++ {
		want = append(want, "value"+strconv.Itoa(i))
	}
	script := fmt.Sprintf(`i=0; while [ $i -lt %d ]; do redis-cli -c get key$i; i=$((i+1)); done`, n)
	for _, pod := range pods {
		got := strings.Fields(c.Run("-n", "dev", "exec", pod, "--", "sh", "-c", script))
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("keys read from %s: %v, want %v", pod, got, want)
		}
	}
}
