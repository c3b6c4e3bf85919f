package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// The pods that must outlive the server: Redis with a key set, a sleeper
// whose restartPolicy Never would make any loss final, and a logger whose
// numbered lines must all reach `kubectl logs`.
const outlivers = `apiVersion: v1
kind: Pod
metadata: {name: redis}
spec:
  containers:
  - name: redis
    image: redis:7
    readinessProbe: {exec: {command: [redis-cli, ping]}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  restartPolicy: Never
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: logger}
spec:
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.2; done']
`

// shortLived is a Job, and a bare pod exiting 7, that end while the server
// is down: their exits must be reported with their codes and times.
const shortLived = `apiVersion: batch/v1
kind: Job
metadata: {name: JOB}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, 'sleep 10; echo done']}]
---
apiVersion: v1
kind: Pod
metadata: {name: QUITTER}
spec:
  restartPolicy: Never
  containers: [{name: c, image: busybox, command: [sh, -c, 'sleep 10; exit 7']}]
`

// TestPodsOutliveTheServer stops the server three ways (kill -9, SIGTERM,
// and an upgrade to another build with the old binary deleted) while pods
// run, and expects the restarted server to have adopted them: same PIDs
// and IPs, RESTARTS 0, every log line, exec and logs -f working, and the
// exits that happened meanwhile reported as they were.
func TestPodsOutliveTheServer(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("pods need root for namespaces")
	}
	bin, err := testcluster.Binary()
	if err != nil {
		t.Fatal(err)
	}
	old := copyBinary(t, bin)
	c := testcluster.StartBinaryT(t, old, "--stop-pods-on-exit=false")
	dir := c.DataDir
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return c.Run("get", "nodes", "--no-headers") != "" }, "the node registers")
	c.RunIn(outlivers, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/redis", "pod/sleeper", "pod/logger", "--timeout=120s")
	c.Run("exec", "redis", "--", "redis-cli", "set", "survivor", "still-here")

	next := buildOtherOrdo(t)
	ways := []struct {
		name string
		stop func()
	}{
		{"kill -9", c.Kill9},
		{"SIGTERM", c.Stop},
		{"upgrade", func() {
			c.Stop()
			if err := os.Remove(c.Bin); err != nil {
				t.Fatal(err)
			}
			c.Bin = next
		}},
	}
	for i, way := range ways {
		t.Logf("round %d: %s", i, way.name)
		job, quitter := fmt.Sprintf("job-%d", i), fmt.Sprintf("quitter-%d", i)
		c.RunIn(strings.NewReplacer("JOB", job, "QUITTER", quitter).Replace(shortLived), "apply", "-f", "-")
		jobPod := waitJobPodRunning(t, cs, job)
		waitPhase(t, cs, quitter, corev1.PodRunning)
		before := snapshot(t, cs, dir, "redis", "sleeper", "logger", jobPod, quitter)
		linesBefore := logLines(t, c, "logger")

		way.stop()
		stopped := time.Now()
		for _, name := range []string{"redis", "sleeper", "logger"} {
			if got := podPIDs(t, dir, name, before[name].uid); !sameSet(got, before[name].pids) {
				t.Fatalf("%s: %s's processes %v, before %v", way.name, name, got, before[name].pids)
			}
		}
		// The Job's pod and the quitter end while no agent is there.
		waitFor(t, func() bool {
			return len(podProcessesUnder(t, dir, jobPod)) == 0 && len(podProcessesUnder(t, dir, quitter)) == 0
		},
			"the short-lived pods exit while the server is down")
		exitedBy := time.Now()
		if err := c.Restart(); err != nil {
			t.Fatal(err)
		}

		for _, name := range []string{"redis", "sleeper", "logger"} {
			p := waitPod(t, cs, name, podReady, name+" Ready after the restart")
			got := podState(t, p)
			if !sameSet(podPIDs(t, dir, name, before[name].uid), before[name].pids) || got.ip != before[name].ip || got.restarts != 0 {
				t.Errorf("%s: %s after the restart: pids %v ip %s restarts %d; before pids %v ip %s",
					way.name, name, podPIDs(t, dir, name, before[name].uid), got.ip, got.restarts, before[name].pids, before[name].ip)
			}
		}
		j := waitJob(t, cs, job, batchv1.JobComplete)
		if j.Status.Succeeded != 1 || j.Status.Failed != 0 {
			t.Errorf("%s: job %s status %+v", way.name, job, j.Status)
		}
		checkTerminated(t, cs, jobPod, 0, stopped, exitedBy)
		checkTerminated(t, cs, quitter, 7, stopped, exitedBy)
		if got := strings.TrimSpace(c.Run("exec", "redis", "--", "redis-cli", "get", "survivor")); got != "still-here" {
			t.Errorf("%s: redis lost its key: %q", way.name, got)
		}
		checkLogsFollow(t, c, linesBefore)
	}
	pods := snapshot(t, cs, dir, "redis", "sleeper", "logger")
	c.Stop()
	for name, before := range pods {
		if got := podPIDs(t, dir, name, before.uid); len(got) == 0 {
			t.Errorf("a plain stop ended %s", name)
		}
	}
}

// podSnapshot is what must not change across the server's restart.
type podSnapshot struct {
	pids     []string
	ip, uid  string
	restarts int32
}

func snapshot(t *testing.T, cs kubernetes.Interface, dir string, names ...string) map[string]podSnapshot {
	t.Helper()
	out := map[string]podSnapshot{}
	uids := map[string]string{}
	for _, name := range names {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out[name] = podState(t, p)
		uids[name] = string(p.UID)
	}
	for name, pids := range lastingPIDs(t, dir, uids) {
		s := out[name]
		if s.pids = pids; len(s.pids) == 0 || s.ip == "" {
			t.Fatalf("pod %s: no processes or IP: %+v", name, s)
		}
		out[name] = s
	}
	return out
}

func podState(t *testing.T, p *corev1.Pod) podSnapshot {
	s := podSnapshot{ip: p.Status.PodIP, uid: string(p.UID)}
	for _, st := range p.Status.ContainerStatuses {
		s.restarts += st.RestartCount
	}
	return s
}

// podPIDs lists a pod's processes that stay (see lastingPIDs).
func podPIDs(t *testing.T, dir, name, uid string) []string {
	t.Helper()
	return lastingPIDs(t, dir, map[string]string{name: uid})[name]
}

// lastingPIDs lists each pod's (name → UID) processes that samplePIDs
// finds in three samples 300 ms apart, all pods sampled together. A
// readiness probe's exec (redis's `redis-cli ping` every second) also runs
// in the container's cgroup, lives milliseconds, and must not count as one
// of the pod's own processes.
func lastingPIDs(t *testing.T, dir string, uids map[string]string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for round := 0; round < 3; round++ {
		if round > 0 {
			time.Sleep(300 * time.Millisecond)
		}
		for name, uid := range uids {
			if got := samplePIDs(t, dir, name, uid); round == 0 {
				out[name] = got
			} else {
				out[name] = intersect(out[name], got)
			}
		}
	}
	return out
}

// intersect keeps the elements of a that are also in b.
func intersect(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if in[x] {
			out = append(out, x)
		}
	}
	return out
}

// samplePIDs lists a pod's containers' own processes (of the server whose data
// directory is dir): of those podProcessesUnder finds by
// HOSTNAME, and those in the pod's cgroups (redis-server overwrites its
// environment with its process title).
func samplePIDs(t *testing.T, dir, name, uid string) []string {
	t.Helper()
	seen := map[string]bool{}
	for _, pid := range podProcessesUnder(t, dir, name) {
		seen[pid] = true
	}
	cgroups, _ := filepath.Glob("/proc/[0-9]*/cgroup")
	for _, path := range cgroups {
		if data, err := os.ReadFile(path); err == nil && strings.Contains(string(data), uid+"_") {
			seen[strings.Split(path, "/")[2]] = true
		}
	}
	var all []string
	for pid := range seen {
		all = append(all, pid)
	}
	return roots(all)
}

// roots keeps the processes of pids whose parent is not among them: each
// container's own process, not what it forks (the logger's sleeps).
func roots(pids []string) []string {
	in := map[string]bool{}
	for _, pid := range pids {
		in[pid] = true
	}
	var out []string
	for _, pid := range pids {
		if parent := parentOf(pid); parent != "" && !in[parent] {
			out = append(out, pid)
		}
	}
	sort.Strings(out)
	return out
}

// stableRoots is roots of a pod's processes that are there in two looks
// half a second apart: not the short-lived orphans a container leaves.
func stableRoots(t *testing.T, name string) []string {
	first := roots(podProcesses(t, name))
	time.Sleep(500 * time.Millisecond)
	again := map[string]bool{}
	for _, pid := range roots(podProcesses(t, name)) {
		again[pid] = true
	}
	var out []string
	for _, pid := range first {
		if again[pid] {
			out = append(out, pid)
		}
	}
	return out
}

// parentOf is the parent PID of process pid ("" once it is gone).
func parentOf(pid string) string {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return ""
	}
	// pid (comm) state ppid …; comm may hold spaces and parentheses.
	rest := string(data[strings.LastIndexByte(string(data), ')')+1:])
	if f := strings.Fields(rest); len(f) > 1 {
		return f[1]
	}
	return ""
}

func sameSet(a, b []string) bool {
	a, b = append([]string{}, a...), append([]string{}, b...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, ",") == strings.Join(b, ",")
}

func waitJobPodRunning(t *testing.T, cs kubernetes.Interface, job string) string {
	t.Helper()
	name := ""
	waitFor(t, func() bool {
		for _, p := range jobPods(t, cs, job) {
			if p.Status.Phase == corev1.PodRunning {
				name = p.Name
				return true
			}
		}
		return false
	}, "a running pod of job "+job)
	return name
}

// checkTerminated expects pod's container to have ended with code while
// the server was down, and the status to say so.
func checkTerminated(t *testing.T, cs kubernetes.Interface, name string, code int32, from, to time.Time) {
	t.Helper()
	p := waitPod(t, cs, name, func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Terminated != nil
	}, name+" reported terminated")
	term := p.Status.ContainerStatuses[0].State.Terminated
	// Times in the status have whole seconds.
	if term.ExitCode != code || term.FinishedAt.Time.Before(from.Truncate(time.Second)) || term.FinishedAt.Time.After(to) {
		t.Errorf("%s: terminated %d at %s, want %d between %s and %s", name, term.ExitCode, term.FinishedAt, code, from, to)
	}
}

var logLine = regexp.MustCompile(`^line (\d+)$`)

// logLines reads the logger's log and checks it holds line 0, 1, 2 …
// with none missing or doubled; it returns how many it holds.
func logLines(t *testing.T, c *testcluster.T, pod string) int {
	t.Helper()
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(c.Run("logs", pod)), "\n") {
		m := logLine.FindStringSubmatch(l)
		if m == nil || m[1] != strconv.Itoa(n) {
			t.Fatalf("log line %d of %s is %q", n, pod, l)
		}
		n++
	}
	return n
}

// checkLogsFollow expects the full log to have grown past what the server
// wrote while down, with no gap, and `logs -f` to stream new lines.
func checkLogsFollow(t *testing.T, c *testcluster.T, before int) {
	t.Helper()
	waitFor(t, func() bool { return logLines(t, c, "logger") > before+10 }, "the log grows past the downtime")
	after := logLines(t, c, "logger")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, "kubectl", "logs", "-f", "--tail=1", "logger")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := logLine.FindStringSubmatch(sc.Text()); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > after+3 {
				return
			}
		}
	}
	t.Errorf("logs -f ended without streaming lines past %d", after)
}

// copyBinary copies bin into a test directory, so a test may delete it.
func copyBinary(t *testing.T, bin string) string {
	t.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ordo")
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// buildOtherOrdo builds ordo again stamped with another commit: a
// different binary, as an upgrade brings.
func buildOtherOrdo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ordo")
	if err := testcluster.BuildAs(path, "upgrade-test"); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPodsOutliveAJoinedAgent kills -9 a joined `ordo agent`: its pod's
// processes live on; the Node goes NotReady after the grace period and the
// pod turns not Ready but stays Running (not Failed); the restarted agent
// adopts it (same process, no restart) and both are Ready again.
func TestPodsOutliveAJoinedAgent(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t, "--node-monitor-grace-period=3s")
	node := c.NodeName + "-agent"
	agent, err := c.StartAgent(t.TempDir(), node)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Stop)
	c.RunIn(strings.ReplaceAll(`apiVersion: v1
kind: Pod
metadata: {name: steady}
spec:
  nodeSelector: {kubernetes.io/hostname: NODE}
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    readinessProbe: {exec: {command: ["true"]}, periodSeconds: 1}
`, "NODE", node), "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/steady", "--timeout=60s")
	before := roots(podProcessesUnder(t, agent.DataDir, "steady"))
	ip := podOn(t, cs, "steady").Status.PodIP

	agent.Kill9()
	waitFor(t, func() bool { cond, _ := nodeCondition(t, cs, node); return cond.Status == corev1.ConditionUnknown }, node+" Ready Unknown")
	waitFor(t, func() bool { return !podReady(podOn(t, cs, "steady")) }, "the pod not Ready")
	if p := podOn(t, cs, "steady"); p.Status.Phase != corev1.PodRunning || !sameSet(roots(podProcessesUnder(t, agent.DataDir, "steady")), before) {
		t.Errorf("with the agent dead the pod is %s with processes %v (before %v)", p.Status.Phase, roots(podProcessesUnder(t, agent.DataDir, "steady")), before)
	}

	if err := agent.Restart(c.Server); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return podReady(podOn(t, cs, "steady")) }, "the pod Ready again")
	p := podOn(t, cs, "steady")
	if p.Status.ContainerStatuses[0].RestartCount != 0 || p.Status.PodIP != ip || !sameSet(roots(podProcessesUnder(t, agent.DataDir, "steady")), before) {
		t.Errorf("after the agent's restart: restarts %d ip %s (was %s) processes %v (were %v)",
			p.Status.ContainerStatuses[0].RestartCount, p.Status.PodIP, ip, roots(podProcessesUnder(t, agent.DataDir, "steady")), before)
	}
}
