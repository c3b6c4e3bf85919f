package e2e

import (
	"context"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// TestServerKilledAtRandomPointsOfPodStartAndStop kills -9 the server at
// random moments while pods are being created and deleted, and after each
// restart expects: every pod in the API Running with exactly one process
// (none lost, none doubled), the pods that were Running before the kill
// with the same process, the deleted ones gone with their processes, and
// one shim, one tmpfs token mount and one set of cgroups per live pod,
// nothing for the others. ORDO_TEST_SEED replays a run.
// Processes are found by HOSTNAME within the cgroups of this test's node
// (podProcessesOnNode), where a process of a deleted pod stays even if it
// escaped its shim, so other tests' pods of the same names do not count.
func TestServerKilledAtRandomPointsOfPodStartAndStop(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("pods need root for namespaces")
	}
	rng := seededRand(t)
	node := fmt.Sprintf("rnd-%d", os.Getpid())
	c := testcluster.StartT(t, "--node-name", node)
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return c.Run("get", "nodes", "--no-headers") != "" }, "the node registers")
	live := map[string]bool{} // pods that should exist
	next := 0
	for round := 0; round < 10; round++ {
		running := map[string][]string{} // Running before the kill: their processes
		for name := range live {
			if p, err := cs.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{}); err == nil && podReady(p) {
				running[name] = roots(podProcessesOnNode(t, node, name))
			}
		}
		r := drawRound(rng, live, next)
		next += len(r.create)
		var ops []string
		for _, name := range r.create {
			c.RunIn(randomPod(name), "apply", "-f", "-")
			live[name] = true
			ops = append(ops, "+"+name)
		}
		for _, name := range r.delete {
			c.Run("delete", "pod", name, "--wait=false")
			delete(live, name)
			delete(running, name)
			ops = append(ops, "-"+name)
		}
		delay := r.killAfter
		t.Logf("round %d: %v, kill -9 after %s", round, ops, delay)
		time.Sleep(delay)
		c.Kill9()
		if err := c.Restart(); err != nil {
			t.Fatal(err)
		}
		checkConverged(t, c, cs, node, live, running)
	}
}

// seededRand is the test's random source: seeded from $ORDO_TEST_SEED when
// set, so that a failed run can be replayed, else from the clock.
func seededRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := time.Now().UnixNano()
	if s := os.Getenv("ORDO_TEST_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("ORDO_TEST_SEED=%q: %v", s, err)
		}
	}
	t.Logf("seed %d (ORDO_TEST_SEED=%d replays it)", seed, seed)
	return rand.New(rand.NewSource(seed))
}

// round is one round's draw: the pods to create (named from r<next> on),
// the pods to delete, and when to kill the server.
type round struct {
	create, delete []string
	killAfter      time.Duration
}

// drawRound draws a round from rng. The live pods are visited in sorted
// order: a map's iteration order is random in itself, so drawing while
// ranging over live would make a seed replay a different run.
func drawRound(rng *rand.Rand, live map[string]bool, next int) round {
	var r round
	for i := rng.Intn(4) + 1; i > 0; i-- {
		r.create = append(r.create, fmt.Sprintf("r%d", next))
		next++
	}
	candidates := append(slices.Sorted(maps.Keys(live)), r.create...)
	for _, name := range candidates {
		if rng.Intn(3) == 0 {
			r.delete = append(r.delete, name)
		}
	}
	r.killAfter = time.Duration(rng.Intn(1500)) * time.Millisecond
	return r
}

// TestDrawRoundReplaysFromTheSeed: one seed draws the same rounds every
// time, whatever order the live set's map happens to iterate in.
func TestDrawRoundReplaysFromTheSeed(t *testing.T) {
	t.Parallel()
	draw := func() []round {
		rng := rand.New(rand.NewSource(42))
		live := map[string]bool{}
		var rounds []round
		next := 0
		for range 20 {
			r := drawRound(rng, live, next)
			next += len(r.create)
			for _, n := range r.create {
				live[n] = true
			}
			for _, n := range r.delete {
				delete(live, n)
			}
			rounds = append(rounds, r)
		}
		return rounds
	}
	first := draw()
	for range 20 {
		if again := draw(); fmt.Sprint(again) != fmt.Sprint(first) {
			t.Fatalf("seed 42 drew\n%v\nthen\n%v", first, again)
		}
	}
}

func randomPod(name string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: busybox, command: [sleep, "3600"], readinessProbe: {exec: {command: ["true"]}, periodSeconds: 1}}]
`
}

func checkConverged(t *testing.T, c *testcluster.T, cs kubernetes.Interface, node string, live map[string]bool, running map[string][]string) {
	t.Helper()
	uids := map[string]bool{}
	waitFor(t, func() bool {
		list, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
		if err != nil || len(list.Items) != len(live) {
			return false
		}
		for _, p := range list.Items {
			if !live[p.Name] || !podReady(&p) || len(roots(podProcessesOnNode(t, node, p.Name))) != 1 {
				return false
			}
			uids[string(p.UID)] = true
		}
		return true
	}, fmt.Sprintf("exactly the %d live pods Ready, each with one process", len(live)))
	for name, before := range running {
		if got := roots(podProcessesOnNode(t, node, name)); !sameSet(got, before) {
			t.Errorf("pod %s was Running with %v before the kill, has %v after", name, before, got)
		}
	}
	waitFor(t, func() bool {
		return testcluster.ShimCount(c.DataDir) == len(live) && len(tmpfsUnder(t, c.DataDir)) == len(live) &&
			len(strayCgroups(node, uids)) == 0
	}, "one shim and one token mount per live pod, no cgroup of another pod")
	for _, pid := range allPodProcesses(t, node) {
		if name := hostnameOf(pid); strings.HasPrefix(name, "r") && !live[name] {
			t.Errorf("process %s of deleted pod %s is still running", pid, name)
		}
	}
}

// strayCgroups lists the container cgroups under the node's parent that
// belong to no pod in uids.
func strayCgroups(node string, uids map[string]bool) []string {
	var out []string
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/ordo-" + node + "/*")
	more, _ := filepath.Glob("/sys/fs/cgroup/ordo-" + node + "/*")
	for _, d := range append(dirs, more...) {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			continue
		}
		uid, _, _ := strings.Cut(filepath.Base(d), "_")
		if !uids[uid] {
			out = append(out, d)
		}
	}
	return out
}

// allPodProcesses lists the processes in node's cgroups with a HOSTNAME
// in their environment.
func allPodProcesses(t *testing.T, node string) []string {
	var out []string
	envs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, path := range envs {
		pid := strings.Split(path, "/")[2]
		if data, err := os.ReadFile(path); err == nil && strings.Contains("\x00"+string(data), "\x00HOSTNAME=") && inNodeCgroups(pid, node) {
			out = append(out, pid)
		}
	}
	return out
}

// podProcessesOnNode is podProcesses limited to node's cgroups.
func podProcessesOnNode(t *testing.T, node, hostname string) []string {
	t.Helper()
	return podProcessesWhere(t, hostname, func(pid string) bool { return inNodeCgroups(pid, node) })
}

// inNodeCgroups says whether pid is in a cgroup of node's pods
// (ordo-<node>/..., see strayCgroups).
func inNodeCgroups(pid, node string) bool {
	data, err := os.ReadFile("/proc/" + pid + "/cgroup")
	return err == nil && strings.Contains(string(data), "/ordo-"+node+"/")
}

func hostnameOf(pid string) string {
	data, _ := os.ReadFile("/proc/" + pid + "/environ")
	for _, kv := range strings.Split(string(data), "\x00") {
		if v, ok := strings.CutPrefix(kv, "HOSTNAME="); ok {
			return v
		}
	}
	return ""
}
