package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// These tests run real pods: they need root for namespaces. The node is
// the server's own (test-<port>, unless serverArgs name one), so tests
// running in parallel, and other test binaries, never share a node name and
// the cgroups it claims; it is returned for tests that need it.
func startWithAgent(t *testing.T, serverArgs ...string) (*testcluster.T, *kubernetes.Clientset, string) {
	t.Helper()
	return startWithNode(t, "", serverArgs...)
}

// startWithNode is startWithAgent with a node name of the test's own, so
// that tests run by different engineers at once do not share pod
// directories or cgroups; "" leaves the name to testcluster.
func startWithNode(t *testing.T, node string, serverArgs ...string) (*testcluster.T, *kubernetes.Clientset, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("pods need root for namespaces")
	}
	if node != "" {
		serverArgs = append([]string{"--node-name", node}, serverArgs...)
	}
	c := testcluster.StartT(t, serverArgs...)
	node = c.NodeName
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
		return err == nil && testcluster.NodeReady(n)
	}, node+" registers Ready")
	return c, cs, node
}

// waitPod waits until pod name in default satisfies ok and returns it.
func waitPod(t *testing.T, cs kubernetes.Interface, name string, ok func(*corev1.Pod) bool, what string) *corev1.Pod {
	t.Helper()
	var p *corev1.Pod
	waitFor(t, func() bool {
		got, err := cs.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil || !ok(got) {
			return false
		}
		p = got
		return true
	}, what)
	return p
}

func waitPhase(t *testing.T, cs kubernetes.Interface, name string, want corev1.PodPhase) *corev1.Pod {
	t.Helper()
	return waitPod(t, cs, name, func(p *corev1.Pod) bool { return p.Status.Phase == want },
		fmt.Sprintf("pod %s reaches %s", name, want))
}

func TestPodRunsAsIsolatedProcessWithSecretInArgs(t *testing.T) {
	t.Parallel()
	c, cs, node := startWithAgent(t)
	c.Run("create", "secret", "generic", "redis-test", "--from-literal=redis-password=hunter2")
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: redis-cli}
spec:
  nodeName: `+node+`
  restartPolicy: Never
  containers:
  - name: redis
    image: docker.io/bitnami/redis:4.0.12
    env:
    - name: REDIS_PASSWORD
      valueFrom: {secretKeyRef: {name: redis-test, key: redis-password}}
    args: [sh, -c, 'echo $(REDIS_PASSWORD) $(hostname) pid=$$$$; ls /tmp | wc -l']
`, "apply", "-f", "-")
	p := waitPhase(t, cs, "redis-cli", corev1.PodSucceeded)
	out := strings.Fields(c.Run("logs", "redis-cli"))
	if len(out) != 4 || out[0] != "hunter2" || out[1] != "redis-cli" || out[2] != "pid=1" || out[3] != "0" {
		t.Fatalf("container output %q: want the secret expanded into args, hostname = pod name, PID 1, an empty private /tmp", out)
	}
	cst := p.Status.ContainerStatuses[0]
	if cst.State.Terminated == nil || cst.State.Terminated.ExitCode != 0 || cst.State.Terminated.Reason != "Completed" {
		t.Fatalf("container status %+v", cst.State)
	}
	row := strings.Fields(c.Run("get", "pod", "redis-cli", "--no-headers"))
	if row[1] != "0/1" || row[2] != "Completed" {
		t.Fatalf("kubectl get pod: %v", row)
	}
}

func TestRestartPolicyAndGrowingBackOff(t *testing.T) {
	t.Parallel()
	c, cs, node := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  nodeName: `+node+`
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo run; exit 3']
---
apiVersion: v1
kind: Pod
metadata: {name: onfailure}
spec:
  nodeName: `+node+`
  restartPolicy: OnFailure
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'test -e /etc/hostname && exit 0']
`, "apply", "-f", "-")
	waitPhase(t, cs, "onfailure", corev1.PodSucceeded)
	var messages []string
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), "crasher", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		st := p.Status.ContainerStatuses
		if len(st) == 1 && st[0].State.Waiting != nil && st[0].State.Waiting.Reason == "CrashLoopBackOff" {
			msg := strings.Fields(st[0].State.Waiting.Message)[1]
			if len(messages) == 0 || messages[len(messages)-1] != msg {
				messages = append(messages, msg)
				if st[0].LastTerminationState.Terminated == nil || st[0].LastTerminationState.Terminated.ExitCode != 3 {
					t.Fatalf("last state %+v", st[0].LastTerminationState)
				}
			}
			if st[0].RestartCount >= 2 {
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(messages) < 3 || messages[0] != "10s" || messages[1] != "20s" || messages[2] != "40s" {
		t.Fatalf("back-off delays %v, want 10s, 20s, 40s", messages)
	}
}

func TestGracefulDeletionKillsAfterGracePeriodAndRemovesThePod(t *testing.T) {
	t.Parallel()
	c, cs, node := startWithAgent(t)
	// sleep as PID 1 ignores SIGTERM, as in any container without an init.
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  nodeName: `+node+`
  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
`, "apply", "-f", "-")
	waitPod(t, cs, "stubborn", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Running != nil
	}, "container running")
	waitFor(t, func() bool { return len(podProcesses(t, "stubborn")) > 0 }, "container process visible")
	before := c.Run("get", "pod", "stubborn", "-o", "jsonpath={.status.containerStatuses[0]}")
	events := c.Run("get", "events", "--field-selector", "involvedObject.name=stubborn")
	start := time.Now()
	c.Run("delete", "pod", "stubborn", "--wait=false")
	waitFor(t, func() bool {
		_, err := cs.CoreV1().Pods("default").Get(context.Background(), "stubborn", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, "pod object removed after its processes")
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("pod gone after %s, before its 2 s grace period; before deletion: %s\n%s", took, before, events)
	}
	if left := podProcesses(t, "stubborn"); len(left) > 0 {
		t.Fatalf("processes left after deletion: %v", left)
	}
}

// podProcesses lists the processes of a pod's containers: the agent sets
// HOSTNAME to the pod's hostname in every container's environment. Exec
// sessions (exec probes, kubectl exec) carry that environment too; they
// are entered from the host by ordo internal-enter and are not the
// containers' own processes, so they and what they run are left out.
func podProcesses(t *testing.T, hostname string) []string {
	t.Helper()
	var out []string
	envs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, path := range envs {
		data, err := os.ReadFile(path)
		pid := strings.Split(path, "/")[2]
		if err == nil && strings.Contains("\x00"+string(data), "\x00HOSTNAME="+hostname+"\x00") && !underEnter(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// podProcessesUnder is podProcesses limited to the pods of the server or
// agent whose data directory is dir, so that a test may run beside others
// whose pods have the same names: a pod's processes descend from its
// shim, whose command line names its socket under dir.
func podProcessesUnder(t *testing.T, dir, hostname string) []string {
	t.Helper()
	return podProcessesWhere(t, hostname, func(pid string) bool { return descendsFromShimUnder(pid, dir) })
}

// podProcessesWhere is podProcesses limited to the processes keep keeps.
func podProcessesWhere(t *testing.T, hostname string, keep func(pid string) bool) []string {
	t.Helper()
	var out []string
	for _, pid := range podProcesses(t, hostname) {
		if keep(pid) {
			out = append(out, pid)
		}
	}
	return out
}

func descendsFromShimUnder(pid, dir string) bool {
	for depth := 0; pid != "" && pid != "0" && pid != "1" && depth < 32; depth++ {
		cmdline, err := os.ReadFile("/proc/" + pid + "/cmdline")
		if err != nil {
			return false
		}
		if args := strings.Split(string(cmdline), "\x00"); len(args) > 2 && args[1] == "internal-shim" {
			return strings.HasPrefix(args[2], dir+"/")
		}
		pid = parentOf(pid)
	}
	return false
}

// underEnter says whether pid is an exec session's ordo internal-enter or
// runs under one.
func underEnter(pid string) bool {
	for depth := 0; pid != "" && pid != "0" && pid != "1" && depth < 16; depth++ {
		cmdline, err := os.ReadFile("/proc/" + pid + "/cmdline")
		if err != nil {
			return false
		}
		if args := strings.Split(string(cmdline), "\x00"); len(args) > 1 && args[1] == "internal-enter" {
			return true
		}
		pid = parentOf(pid)
	}
	return false
}

// ordoChildren lists live sandbox and container processes of binary bin.
func ordoChildren(t *testing.T, bin string) []string {
	t.Helper()
	var out []string
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, path := range cmdlines {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		args := strings.Split(string(data), "\x00")
		if len(args) > 1 && args[0] == bin && strings.HasPrefix(args[1], "internal-") {
			out = append(out, path)
		}
	}
	return out
}

func TestSchedulerAndKubectlLogs(t *testing.T) {
	t.Parallel()
	c, cs, node := startWithAgent(t)
	// A marker on a hostPath volume, so the second run (a fresh container
	// with a fresh writable layer, as in Kubernetes) sees the first one's.
	dir, err := os.MkdirTemp("/var/tmp", "ordo-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c.RunIn(strings.ReplaceAll(`apiVersion: v1
kind: Pod
metadata: {name: ticker, labels: {app: ticker}}
spec:
  containers:
  - name: t
    image: busybox
    command: [sh, -c, 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done']
---
apiVersion: v1
kind: Pod
metadata: {name: picky}
spec:
  nodeSelector: {disk: ssd}
  containers: [{name: c, image: busybox, command: [sleep, "60"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: twice}
spec:
  restartPolicy: OnFailure
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo run; test -e /marker/ran-once || { touch /marker/ran-once; exit 1; }']
    volumeMounts: [{name: m, mountPath: /marker}]
  volumes: [{name: m, hostPath: {path: MARKER}}]
`, "MARKER", dir), "apply", "-f", "-")
	p := waitPhase(t, cs, "ticker", corev1.PodRunning)
	if p.Spec.NodeName != node {
		t.Fatalf("scheduled to %q, want %q", p.Spec.NodeName, node)
	}
	waitFor(t, func() bool { return strings.Count(c.Run("logs", "ticker"), "tick") >= 5 }, "ticker logs 5 lines")
	tail := strings.Split(strings.TrimSpace(c.Run("logs", "ticker", "--tail", "2")), "\n")
	if len(tail) != 2 || !strings.HasPrefix(tail[0], "tick ") {
		t.Fatalf("--tail 2: %q", tail)
	}
	ts := strings.Fields(c.Run("logs", "ticker", "--tail", "1", "--timestamps"))
	if _, err := time.Parse(time.RFC3339Nano, ts[0]); err != nil || ts[1] != "tick" {
		t.Fatalf("--timestamps: %q", ts)
	}
	if out := c.Run("logs", "-l", "app=ticker", "--tail", "1"); !strings.HasPrefix(out, "tick ") {
		t.Fatalf("logs -l: %q", out)
	}
	// -f keeps streaming new lines.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	out, _, _ := c.Kubectl(ctx, "", "logs", "-f", "ticker", "--tail", "1")
	if n := strings.Count(out, "tick"); n < 3 {
		t.Fatalf("logs -f for 3 s gave %d lines: %q", n, out)
	}

	picky := waitPod(t, cs, "picky", func(p *corev1.Pod) bool { return len(p.Status.Conditions) > 0 }, "pod condition reported")
	cond := picky.Status.Conditions[0]
	if picky.Spec.NodeName != "" || cond.Type != corev1.PodScheduled || cond.Reason != "Unschedulable" ||
		!strings.Contains(cond.Message, "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector") {
		t.Fatalf("unschedulable pod: node %q, condition %+v", picky.Spec.NodeName, cond)
	}
	c.Run("label", "node", node, "disk=ssd")
	waitPhase(t, cs, "picky", corev1.PodRunning)

	waitPhase(t, cs, "twice", corev1.PodSucceeded)
	if prev := c.Run("logs", "twice", "--previous"); prev != "run\n" {
		t.Fatalf("--previous: %q", prev)
	}
	if errOut := c.Fail("", "logs", "ticker", "--previous"); !strings.Contains(errOut, `previous terminated container "t" in pod "ticker" not found`) {
		t.Fatalf("--previous without one: %s", errOut)
	}
}

const listener = `apiVersion: v1
kind: Pod
metadata: {name: NAME}
spec:
  containers:
  - name: c
    image: redis
    command:
    - /usr/bin/python3
    - -c
    - |
      import socket, socketserver
      class H(socketserver.BaseRequestHandler):
        def handle(self): self.request.sendall(socket.gethostname().encode())
      socketserver.TCPServer(("0.0.0.0", 6379), H).serve_forever()
`

func TestPodsHaveTheirOwnIPsAndReachEachOther(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	for _, name := range []string{"redis-0", "redis-1"} {
		c.RunIn(strings.Replace(listener, "NAME", name, 1), "apply", "-f", "-")
	}
	ips := map[string]string{}
	for _, name := range []string{"redis-0", "redis-1"} {
		p := waitPhase(t, cs, name, corev1.PodRunning)
		ips[name] = p.Status.PodIP
	}
	if ips["redis-0"] == ips["redis-1"] || !strings.HasPrefix(ips["redis-0"], "10.") {
		t.Fatalf("pod IPs %v: want two different addresses in the pod CIDR", ips)
	}
	// Both listen on 6379 in their own network namespaces; the host reaches each.
	for name, ip := range ips {
		waitFor(t, func() bool { return dial(ip+":6379") == name }, "host reaches "+name+" at "+ip)
	}
	// A third pod reaches both by IP.
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: redis
    command:
    - /usr/bin/python3
    - -c
    - |
      import socket
      for ip in ["`+ips["redis-0"]+`", "`+ips["redis-1"]+`"]:
        print(socket.create_connection((ip, 6379), timeout=5).recv(64).decode())
`, "apply", "-f", "-")
	waitPhase(t, cs, "client", corev1.PodSucceeded)
	if out := c.Run("logs", "client"); out != "redis-0\nredis-1\n" {
		t.Fatalf("client pod read %q", out)
	}
}

func dial(addr string) string {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return ""
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 64)
	n, _ := conn.Read(buf)
	return string(buf[:n])
}

func TestVolumesAndPodEtcFiles(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.Run("create", "configmap", "redis-conf", "--from-literal=redis.conf=appendonly yes")
	c.Run("create", "secret", "generic", "creds", "--from-literal=password=hunter2")
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: redis-app-0, labels: {app: redis}}
spec:
  hostname: redis-app-0
  subdomain: redis-service
  restartPolicy: Never
  initContainers:
  - name: seed
    image: busybox
    command: [sh, -c, 'echo from-init > /data/shared']
    volumeMounts: [{name: scratch, mountPath: /data}]
  containers:
  - name: redis
    image: redis
    command:
    - sh
    - -c
    - |
      cat /etc/redis/redis.conf; echo
      cat /etc/creds/password; echo
      cat /data/shared
      grep redis-app-0 /etc/hosts
      cat /etc/hostname
      echo nope > /etc/redis/x 2>/dev/null || echo config-read-only
      echo junk > /usr/ordo-e2e-junk && echo root-writable-in-container
      echo mine-in-$(ls /data | grep redis-app) > /mine/f && cat /data/redis-app-0/f
    env:
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    volumeMounts:
    - {name: conf, mountPath: /etc/redis}
    - {name: creds, mountPath: /etc/creds}
    - {name: scratch, mountPath: /data}
    - {name: scratch, mountPath: /mine, subPathExpr: $(POD_NAME)}
  volumes:
  - name: conf
    configMap: {name: redis-conf}
  - name: creds
    secret: {secretName: creds}
  - name: scratch
    emptyDir: {}
`, "apply", "-f", "-")
	p := waitPhase(t, cs, "redis-app-0", corev1.PodSucceeded)
	out := c.Run("logs", "redis-app-0", "-c", "redis")
	want := []string{
		"appendonly yes", "hunter2", "from-init",
		p.Status.PodIP + "\tredis-app-0.redis-service.default.svc.cluster.local\tredis-app-0",
		"config-read-only", "root-writable-in-container",
		"mine-in-redis-app-0", // subPathExpr: the pod's own directory of the shared volume
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("container output lacks %q:\n%s", w, out)
		}
	}
	if _, err := os.Stat("/usr/ordo-e2e-junk"); err == nil {
		os.Remove("/usr/ordo-e2e-junk")
		t.Error("a container's write to /usr reached the host")
	}
	// A missing ConfigMap keeps the pod waiting with a FailedMount event.
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: no-conf}
spec:
  containers: [{name: c, image: busybox, command: [sleep, "60"], volumeMounts: [{name: v, mountPath: /v}]}]
  volumes: [{name: v, configMap: {name: missing}}]
`, "apply", "-f", "-")
	waitFor(t, func() bool {
		return strings.Contains(c.Run("get", "events", "--field-selector", "involvedObject.name=no-conf,reason=FailedMount"), `configmap "missing" not found`)
	}, "FailedMount event for a missing ConfigMap")
}

func TestReadinessAndLivenessProbes(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: warming}
spec:
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'sleep 2; touch /tmp/ready; exec sleep 3600']
    readinessProbe:
      exec: {command: [test, -e, /tmp/ready]}
      periodSeconds: 1
---
apiVersion: v1
kind: Pod
metadata: {name: dead}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    livenessProbe:
      tcpSocket: {port: 6390}
      periodSeconds: 1
      failureThreshold: 2
`, "apply", "-f", "-")
	p := waitPhase(t, cs, "warming", corev1.PodRunning)
	if p.Status.ContainerStatuses[0].Ready {
		t.Fatal("container ready before its readiness probe passed")
	}
	waitPod(t, cs, "warming", func(p *corev1.Pod) bool {
		return p.Status.ContainerStatuses[0].Ready && podReady(p)
	}, "readiness probe makes the pod Ready")
	waitPod(t, cs, "dead", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1
	}, "failing liveness probe restarts the container")
	events := c.Run("get", "events", "--field-selector", "involvedObject.name=dead")
	if !strings.Contains(events, "Container c failed liveness probe, will be restarted") || !strings.Contains(events, "Liveness probe failed") {
		t.Fatalf("events:\n%s", events)
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func TestMemoryHogIsOOMKilled(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: python
    command: [/usr/bin/python3, -c, 'a = bytearray(512 << 20)']
    resources:
      limits: {memory: 64Mi, cpu: 500m}
`, "apply", "-f", "-")
	p := waitPhase(t, cs, "hog", corev1.PodFailed)
	term := p.Status.ContainerStatuses[0].State.Terminated
	if term == nil || term.Reason != "OOMKilled" || term.ExitCode != 137 {
		t.Fatalf("memory hog: %+v, want OOMKilled with exit 137", p.Status.ContainerStatuses[0].State)
	}
	if p.Status.QOSClass != corev1.PodQOSGuaranteed {
		t.Errorf("QoS class %s, want Guaranteed (requests defaulted from limits)", p.Status.QOSClass)
	}
	if row := strings.Fields(c.Run("get", "pod", "hog", "--no-headers")); row[2] != "OOMKilled" {
		t.Errorf("kubectl get pod STATUS = %s, want OOMKilled", row[2])
	}
}

func TestKubectlExecRunsInThePodsNamespaces(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.Run("run", "box", "--image=busybox", "--env=GREETING=hello", "--command", "--", "sleep", "3600")
	waitPhase(t, cs, "box", corev1.PodRunning)
	out := strings.Fields(c.Run("exec", "box", "--", "sh", "-c", "hostname; echo $GREETING; echo $$; ls /proc | grep -c '^[0-9]'"))
	if len(out) != 4 || out[0] != "box" || out[1] != "hello" {
		t.Fatalf("exec output %q: want the pod's hostname and environment", out)
	}
	// The exec'd shell sees the container's PID namespace: a handful of
	// processes, not the host's.
	if n, _ := strconv.Atoi(out[3]); n < 1 || n > 5 {
		t.Fatalf("exec sees %s processes: not the container's PID namespace", out[3])
	}
	if got := c.RunIn("piped through stdin\n", "exec", "-i", "box", "--", "cat"); got != "piped through stdin\n" {
		t.Fatalf("exec -i: %q", got)
	}
	errOut := c.Fail("", "exec", "box", "--", "sh", "-c", "exit 3")
	if !strings.Contains(errOut, "command terminated with exit code 3") {
		t.Fatalf("exit code not propagated: %s", errOut)
	}
}

func TestLifecycleHooks(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	dir, err := os.MkdirTemp("/var/tmp", "ordo-e2e-hooks-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c.RunIn(strings.ReplaceAll(`apiVersion: v1
kind: Pod
metadata: {name: hooked}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'while [ ! -e /tmp/started ]; do sleep 0.1; done; echo saw-post-start; exec sleep 3600']
    volumeMounts: [{name: out, mountPath: /out}]
    lifecycle:
      postStart:
        exec: {command: [sh, -c, 'touch /tmp/started']}
      preStop:
        exec: {command: [sh, -c, 'echo drained > /out/pre-stop']}
  volumes: [{name: out, hostPath: {path: DIR}}]
`, "DIR", dir), "apply", "-f", "-")
	waitPhase(t, cs, "hooked", corev1.PodRunning)
	waitFor(t, func() bool { return strings.Contains(c.Run("logs", "hooked"), "saw-post-start") }, "postStart ran inside the container")
	c.Run("delete", "pod", "hooked", "--wait=true", "--timeout=60s")
	data, err := os.ReadFile(filepath.Join(dir, "pre-stop"))
	if err != nil || string(data) != "drained\n" {
		t.Fatalf("preStop hook output: %q %v", data, err)
	}
}

func TestAgentJoinsAsSecondNode(t *testing.T) {
	t.Parallel()
	c, cs, node := startWithAgent(t)
	// The agent's node name is unique too: a node name claims cgroups
	// machine-wide, and other tests join agents of their own.
	second := node + "-2"
	agent, err := c.StartAgent(t.TempDir(), second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Stop)
	nodes := c.Run("get", "nodes", "--no-headers")
	names := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(nodes), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			names[f[0]] = true
		}
	}
	if !names[node] || !names[second] { // by whole name: node is a prefix of second
		t.Fatalf("nodes:\n%s", nodes)
	}
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: remote}
spec:
  nodeSelector: {kubernetes.io/hostname: `+second+`}
  containers: [{name: c, image: busybox, command: [sh, -c, 'echo on $(hostname); exec sleep 3600']}]
`, "apply", "-f", "-")
	p := waitPhase(t, cs, "remote", corev1.PodRunning)
	if p.Spec.NodeName != second {
		t.Fatalf("scheduled to %s", p.Spec.NodeName)
	}
	waitFor(t, func() bool { return c.Run("logs", "remote") == "on remote\n" }, "logs from the joined agent")
	if got := c.Run("exec", "remote", "--", "cat", "/etc/hostname"); got != "remote\n" {
		t.Fatalf("exec through the joined agent: %q", got)
	}
	// Without the token, an agent cannot talk to the API.
	resp := caOnlyClient(t, c.Server)
	r, err := resp.Get("https://" + c.Listen + "/api/v1/nodes")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Fatalf("no token: %d", r.StatusCode)
	}
}

func TestConfigMapVolumeFollowsTheObject(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("pods need root for namespaces")
	}
	c := testcluster.StartT(t, "--sync-frequency", "1s")
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	c.Run("create", "configmap", "live", "--from-literal=mode=blue", "--from-literal=old=yes")
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'while true; do echo "mode=$(cat /cfg/mode) old=$(cat /cfg/old 2>/dev/null || echo gone)"; sleep 0.3; done']
    volumeMounts: [{name: cfg, mountPath: /cfg}]
  volumes: [{name: cfg, configMap: {name: live}}]
`, "apply", "-f", "-")
	waitPhase(t, cs, "reader", corev1.PodRunning)
	waitFor(t, func() bool { return strings.Contains(c.Run("logs", "reader", "--tail", "1"), "mode=blue old=yes") }, "initial content")
	c.RunIn(`apiVersion: v1
kind: ConfigMap
metadata: {name: live}
data: {mode: green}
`, "replace", "-f", "-")
	waitFor(t, func() bool { return strings.Contains(c.Run("logs", "reader", "--tail", "1"), "mode=green old=gone") },
		"the running container sees the updated ConfigMap, with the removed key gone")
}

// What a program writes to its terminationMessagePath is the message of its
// terminated state, as with the kubelet; the default path is in the
// container's own /dev, so nothing reaches the host's.
func TestTerminationMessage(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: bye}
spec:
  restartPolicy: Never
  containers:
  - name: default-path
    image: busybox
    command: [sh, -c, 'echo disk full > /dev/termination-log; exit 3']
  - name: own-path
    image: busybox
    terminationMessagePath: /var/log/app/done
    command: [sh, -c, 'echo all good > /var/log/app/done']
  - name: from-log
    image: busybox
    terminationMessagePolicy: FallbackToLogsOnError
    command: [sh, -c, 'seq 1 100; echo -n DONE; exit 1']
  - name: file-wins
    image: busybox
    terminationMessagePolicy: FallbackToLogsOnError
    command: [sh, -c, 'echo noise; echo from file > /dev/termination-log; exit 1']
  - name: log-on-error-only
    image: busybox
    terminationMessagePolicy: FallbackToLogsOnError
    command: [sh, -c, 'echo fine']
`, "apply", "-f", "-")
	p := waitPhase(t, cs, "bye", corev1.PodFailed)
	got := map[string]string{}
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Terminated != nil {
			got[s.Name] = s.State.Terminated.Message
		}
	}
	if got["default-path"] != "disk full\n" || got["own-path"] != "all good\n" {
		t.Errorf("termination messages %q", got)
	}
	// FallbackToLogsOnError: a failed run with an empty file gets its
	// log's last 80 lines (22..100 and the unterminated DONE).
	var want strings.Builder
	for i := 22; i <= 100; i++ {
		fmt.Fprintf(&want, "%d\n", i)
	}
	want.WriteString("DONE")
	if got["from-log"] != want.String() || got["file-wins"] != "from file\n" || got["log-on-error-only"] != "" {
		t.Errorf("FallbackToLogsOnError messages %q", got)
	}
	if logs := c.Run("logs", "bye", "-c", "from-log", "--tail", "1"); logs != "DONE" {
		t.Errorf("an unterminated last line reads back as %q", logs)
	}
	if _, err := os.Stat("/dev/termination-log"); err == nil {
		t.Error("/dev/termination-log exists on the host")
	}
}

// The security context fields ordo applies: runAsNonRoot refuses a
// container that would run as root, supplementalGroups and
// allowPrivilegeEscalation: false reach the process.
func TestPodSecurityContext(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: restricted}
spec:
  restartPolicy: Never
  securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, supplementalGroups: [2000]}
  containers:
  - name: c
    image: busybox
    securityContext: {allowPrivilegeEscalation: false}
    command: [sh, -c, 'id -u; id -G; grep NoNewPrivs /proc/self/status']
---
apiVersion: v1
kind: Pod
metadata: {name: would-be-root}
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: c, image: busybox, command: [sleep, "60"]}]
`, "apply", "-f", "-")
	waitPhase(t, cs, "restricted", corev1.PodSucceeded)
	if got := strings.Join(strings.Fields(c.Run("logs", "restricted")), " "); got != "1000 1000 2000 NoNewPrivs: 1" {
		t.Errorf("restricted pod printed %q", got)
	}
	p := waitPod(t, cs, "would-be-root", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "CreateContainerConfigError"
	}, "CreateContainerConfigError for a root container with runAsNonRoot")
	if msg := p.Status.ContainerStatuses[0].State.Waiting.Message; !strings.Contains(msg, "container has runAsNonRoot and image will run as root") {
		t.Errorf("waiting message %q", msg)
	}
}

// TestContainerCapabilities: a container has the container runtimes'
// default capabilities, so adding an address in its own network namespace is
// refused; capabilities.add NET_ADMIN allows it, and drop ALL leaves even
// root unable to chown.
func TestContainerCapabilities(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  restartPolicy: Never
  containers:
  - {name: c, image: busybox, command: [sh, -c, 'ip addr add 127.0.0.2/8 dev lo && echo added || echo refused']}
---
apiVersion: v1
kind: Pod
metadata: {name: net-admin}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    securityContext: {capabilities: {add: [NET_ADMIN]}}
    command: [sh, -c, 'ip addr add 127.0.0.2/8 dev lo && echo added || echo refused']
---
apiVersion: v1
kind: Pod
metadata: {name: no-caps}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    securityContext: {capabilities: {drop: [ALL]}}
    command: [sh, -c, 'touch /tmp/f; chown 1000 /tmp/f && echo chowned || echo refused']
`, "apply", "-f", "-")
	// The verdict is a line of stdout; a refusal also writes the tool's
	// message to stderr, which the log may hold before or after it.
	verdicts := []string{"added", "chowned", "refused"}
	for name, want := range map[string]string{"plain": "refused", "net-admin": "added", "no-caps": "refused"} {
		waitPhase(t, cs, name, corev1.PodSucceeded)
		lines := strings.Split(strings.TrimSpace(c.Run("logs", name)), "\n")
		for _, v := range verdicts {
			if slices.Contains(lines, v) != (v == want) {
				t.Errorf("%s: log %q, want the verdict %q only", name, lines, want)
			}
		}
	}
}

// TestPodObservedGeneration: a pod's generation starts at 1 and moves
// with its spec, not its metadata; the agent reports the generation it
// acted on in status.observedGeneration, as the kubelet does.
func TestPodObservedGeneration(t *testing.T) {
	t.Parallel()
	c, _, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: gen}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
`, "apply", "-f", "-")
	c.Run("wait", "--for=jsonpath={.status.observedGeneration}=1", "pod/gen", "--timeout=60s")
	c.Run("annotate", "pod", "gen", "k=v")
	c.Run("patch", "pod", "gen", "-p", `{"spec":{"activeDeadlineSeconds":3600}}`)
	if got := c.Run("get", "pod", "gen", "-o", "jsonpath={.metadata.generation}"); got != "2" {
		t.Fatalf("generation after an annotation and a spec change: %s, want 2", got)
	}
	c.Run("wait", "--for=jsonpath={.status.observedGeneration}=2", "pod/gen", "--timeout=30s")
	if got := c.Run("get", "pod", "gen", "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].observedGeneration}`); got != "2" {
		t.Errorf("Ready condition's observedGeneration %q, want 2", got)
	}
}
