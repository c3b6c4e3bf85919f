package e2e

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// lookerScript reports whether the container sees a "sleep 3600" and what
// PID 1 is, leaves an orphan for PID 1 to reap, then waits.
const lookerScript = `for i in $(seq 50); do
  for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' < $f; echo; done > /tmp/ps
  grep -q '^sleep 3600 $' /tmp/ps && break
  sleep 0.1
done
if grep -q '^sleep 3600 $' /tmp/ps; then echo sibling=yes; else echo sibling=no; fi
echo "pid1=$(tr '\0' ' ' < /proc/1/cmdline)"
(sleep 0.2 &)
exec sleep 3601`

// podWithLooker is a pod of a "sleep 3600" container and a looker.
func podWithLooker(name, node, extra string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  nodeName: ` + node + `
  restartPolicy: Never
  terminationGracePeriodSeconds: 2` + extra + `
  containers:
  - name: sleeper
    image: busybox
    command: [sleep, "3600"]
  - name: looker
    image: busybox
    command:
    - sh
    - -c
    - |
      ` + strings.ReplaceAll(lookerScript, "\n", "\n      ") + `
`
}

// pid1 is what the looker printed as PID 1's command line (its first line).
func pid1(logs string) string {
	_, after, _ := strings.Cut(logs, "pid1=")
	line, _, _ := strings.Cut(after, "\n")
	return line
}

// Not parallel: ordoChildren counts every sandbox/container process of the shared ordo binary machine-wide (any parallel test's pods would count).
func TestShareProcessNamespace(t *testing.T) {
	c, cs, node := startWithAgent(t)
	c.RunIn(podWithLooker("shared", node, "\n  shareProcessNamespace: true")+"---\n"+podWithLooker("private", node, ""),
		"apply", "-f", "-")
	logs := map[string]string{}
	for _, name := range []string{"shared", "private"} {
		waitPhase(t, cs, name, corev1.PodRunning)
		waitFor(t, func() bool {
			logs[name] = c.Run("logs", name, "-c", "looker")
			return strings.Contains(logs[name], "pid1=")
		}, name+": looker reports")
	}
	if !strings.Contains(logs["shared"], "sibling=yes") || !strings.Contains(pid1(logs["shared"]), " internal-sandbox --hostname shared") {
		t.Errorf("shared PID namespace: looker printed %q; want the sibling's sleep and the sandbox as PID 1", logs["shared"])
	}
	if !strings.Contains(logs["private"], "sibling=no") || !strings.HasPrefix(pid1(logs["private"]), "sh -c ") {
		t.Errorf("private PID namespaces: looker printed %q; want no sibling and its own shell as PID 1", logs["private"])
	}
	events := c.Run("get", "events", "--field-selector", "involvedObject.name=shared")
	if strings.Contains(events, "UnsupportedFields") {
		t.Errorf("shareProcessNamespace still reported unsupported:\n%s", events)
	}

	// kubectl exec lands in the pod's PID namespace: the orphan left to
	// PID 1 was reaped, and one container can signal another's process.
	zombies := c.Run("exec", "shared", "-c", "looker", "--", "sh", "-c",
		`sleep 0.5; cat /proc/[0-9]*/stat 2>/dev/null | grep -c ') Z ' || true`)
	if strings.TrimSpace(zombies) != "0" {
		t.Errorf("%s zombies in the shared PID namespace: the sandbox does not reap", strings.TrimSpace(zombies))
	}
	c.Run("exec", "shared", "-c", "looker", "--", "sh", "-c",
		`for d in /proc/[0-9]*; do [ "$(tr '\0' ' ' < $d/cmdline)" = "sleep 3600 " ] && kill ${d#/proc/}; done; true`)
	p := waitPod(t, cs, "shared", func(p *corev1.Pod) bool {
		for _, st := range p.Status.ContainerStatuses {
			if st.Name == "sleeper" && st.State.Terminated != nil {
				return true
			}
		}
		return false
	}, "sleeper killed from the looker container")
	for _, st := range p.Status.ContainerStatuses {
		if st.Name == "sleeper" && st.State.Terminated.ExitCode != 143 {
			t.Errorf("sleeper exit %d, want 143 (SIGTERM from the other container)", st.State.Terminated.ExitCode)
		}
	}

	c.Run("delete", "pod", "shared", "private", "--wait=true", "--timeout=60s")
	for _, name := range []string{"shared", "private"} {
		if _, err := cs.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("pod %s not removed: %v", name, err)
		}
		if left := podProcesses(t, name); len(left) > 0 {
			t.Errorf("processes of %s left after deletion: %v", name, left)
		}
	}
	if left := ordoChildren(t, c.Bin); len(left) > 0 {
		t.Errorf("sandbox processes left after deletion: %v", left)
	}
}

// Pods outlive a killed server whatever their PID namespace (a pod-wide
// one, or containers that changed user, which clears a parent-death
// signal), are adopted by the next start, and all stop when a server with
// --stop-pods-on-exit stops.
func TestPodsOfEveryPIDNamespaceOutliveTheServerAndStopWithIt(t *testing.T) {
	t.Parallel()
	c, cs, node := startWithAgent(t)
	c.RunIn(podWithLooker("shared", node, "\n  shareProcessNamespace: true")+"---\n"+
		podWithLooker("nobody", node, "\n  securityContext: {runAsUser: 65534, runAsGroup: 65534}"), "apply", "-f", "-")
	before := map[string][]string{}
	for _, name := range []string{"shared", "nobody"} {
		waitPhase(t, cs, name, corev1.PodRunning)
		waitFor(t, func() bool { return len(podProcesses(t, name)) >= 2 }, name+": both containers' processes visible")
		before[name] = stableRoots(t, name)
	}
	c.Kill9()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"shared", "nobody"} {
		p := waitPhase(t, cs, name, corev1.PodRunning)
		if got := stableRoots(t, name); !sameSet(got, before[name]) {
			t.Errorf("%s: processes %v after the restart, before %v", name, got, before[name])
		}
		for _, st := range p.Status.ContainerStatuses {
			if st.RestartCount != 0 {
				t.Errorf("%s: container %s restarted: %+v", name, st.Name, st)
			}
		}
	}
	c.Stop()
	if left := len(podProcesses(t, "shared")) + len(podProcesses(t, "nobody")) + testcluster.ShimCount(c.DataDir); left > 0 {
		t.Errorf("%d processes left after a stop with --stop-pods-on-exit", left)
	}
}

func TestHostPIDAndHostIPC(t *testing.T) {
	t.Parallel()
	c, cs, node := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: hostns}
spec:
  nodeName: `+node+`
  hostPID: true
  hostIPC: true
  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo pid=$$; readlink /proc/self/ns/ipc; exec sleep 3600']
`, "apply", "-f", "-")
	waitPhase(t, cs, "hostns", corev1.PodRunning)
	var logs string
	waitFor(t, func() bool { logs = c.Run("logs", "hostns"); return strings.Contains(logs, "ipc:") }, "container reports")
	hostIPC, _ := os.Readlink("/proc/self/ns/ipc")
	if strings.Contains(logs, "pid=1\n") || !strings.Contains(logs, hostIPC) {
		t.Errorf("container printed %q; want a host PID and the host's IPC namespace %s", logs, hostIPC)
	}
	// kubectl exec enters the host's PID namespace with it: the server is there.
	server := strconv.Itoa(c.Pid())
	if out := c.Run("exec", "hostns", "--", "sh", "-c", "test -d /proc/"+server+" && echo sees-server"); !strings.Contains(out, "sees-server") {
		t.Errorf("exec in a hostPID pod does not see the server's PID %s: %q", server, out)
	}
	if events := c.Run("get", "events", "--field-selector", "involvedObject.name=hostns"); strings.Contains(events, "UnsupportedFields") {
		t.Errorf("hostPID/hostIPC still reported unsupported:\n%s", events)
	}
	c.Run("delete", "pod", "hostns", "--wait=true", "--timeout=60s")
	if left := podProcesses(t, "hostns"); len(left) > 0 {
		t.Errorf("processes left after deletion: %v", left)
	}
}
