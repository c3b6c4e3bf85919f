package e2e

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// TestDescribeNodeShowsPressureConditionsAndSystemInfo: `kubectl describe
// node` lists MemoryPressure, DiskPressure and PIDPressure before Ready,
// each with the kubelet's reason for its status, and the system info the
// kubelet reports (issue 24, item 6).
func TestDescribeNodeShowsPressureConditionsAndSystemInfo(t *testing.T) {
	t.Parallel()
	c, _, node := startOwnNode(t)
	out := c.Run("describe", "node", node)
	var order []string
	for _, cond := range []struct{ typ, falseReason, trueReason string }{
		{"MemoryPressure", "KubeletHasSufficientMemory", "KubeletHasInsufficientMemory"},
		{"DiskPressure", "KubeletHasNoDiskPressure", "KubeletHasDiskPressure"},
		{"PIDPressure", "KubeletHasSufficientPID", "KubeletHasInsufficientPID"},
		{"Ready", "", "KubeletReady"},
	} {
		line := regexp.MustCompile(`(?m)^\s+` + cond.typ + `\s+(True|False)\s.*$`).FindStringSubmatch(out)
		if line == nil {
			t.Errorf("describe node has no %s condition:\n%s", cond.typ, out)
			continue
		}
		order = append(order, cond.typ)
		want := cond.falseReason
		if line[1] == "True" {
			want = cond.trueReason
		}
		if !strings.Contains(line[0], want) {
			t.Errorf("%s is %s without reason %s: %q", cond.typ, line[1], want, line[0])
		}
	}
	if i, j := strings.Index(out, "MemoryPressure"), strings.Index(out, "  Ready "); i < 0 || j < i {
		t.Errorf("conditions %v: Ready should come after the pressure conditions", order)
	}
	for _, field := range []string{"Machine ID:", "Boot ID:", "Kernel Version:", "OS Image:", "Operating System:", "Architecture:",
		"Container Runtime Version:", "Kubelet Version:"} {
		if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(field) + `\s+\S+`).MatchString(out) {
			t.Errorf("describe node: %s is empty", field)
		}
	}
	if !regexp.MustCompile(`(?m)^\s+Container Runtime Version:\s+ordo://v`).MatchString(out) {
		t.Errorf("container runtime version is not ordo://<version>:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^\s+ephemeral-storage:\s+\d`).MatchString(out) {
		t.Errorf("describe node has no ephemeral-storage capacity:\n%s", out)
	}
}

const crasher = `apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo crashing; exit 3']
`

// TestDescribeCrashLoopingPod: a crash-looping pod's describe shows its
// Container ID and Image ID and the kubelet's BackOff warning event
// (issue 24, item 6).
func TestDescribeCrashLoopingPod(t *testing.T) {
	t.Parallel()
	c, cs, _ := startOwnNode(t)
	c.RunIn(crasher, "apply", "-f", "-")
	p := waitPod(t, cs, "crasher", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "CrashLoopBackOff"
	}, "crasher backs off")
	wantEvent := "Back-off restarting failed container c in pod crasher_default(" + string(p.UID) + ")"
	waitFor(t, func() bool {
		events, err := cs.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=crasher,reason=BackOff"})
		if err != nil || len(events.Items) == 0 {
			return false
		}
		e := events.Items[0]
		if e.Type != corev1.EventTypeWarning || e.Message != wantEvent || e.Source.Component != "kubelet" {
			t.Fatalf("BackOff event %s %q from %q, want Warning %q from kubelet", e.Type, e.Message, e.Source.Component, wantEvent)
		}
		return true
	}, "a BackOff event for crasher")

	out := c.Run("describe", "pod", "crasher")
	if !regexp.MustCompile(`(?m)^\s+Container ID:\s+ordo://\S+`).MatchString(out) {
		t.Errorf("describe pod shows no Container ID:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^\s+Image ID:\s+ordo-image-table://docker.io/library/busybox@sha256:[0-9a-f]{64}$`).MatchString(out) {
		t.Errorf("describe pod shows no Image ID:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^\s+Warning\s+BackOff\s.*kubelet(, \S+)?\s+` + regexp.QuoteMeta(wantEvent) + `$`).MatchString(out) {
		t.Errorf("describe pod shows no BackOff event:\n%s", out)
	}
	first := p.Status.ContainerStatuses[0].ContainerID
	waitPod(t, cs, "crasher", func(p *corev1.Pod) bool { return p.Status.ContainerStatuses[0].RestartCount >= 1 }, "crasher restarts")
	if again := c.Run("get", "pod", "crasher", "-o", "jsonpath={.status.containerStatuses[0].containerID}"); again == first {
		t.Errorf("the restarted run kept container ID %s", first)
	}
}

// startOwnNode is startWithAgent on the server's own node name
// (testcluster's test-<port>, unique to the server): "node-1" is taken
// while another server runs on the machine (another test binary's, or a
// parallel test's), and a server refuses a node name another ordo holds.
func startOwnNode(t *testing.T, serverArgs ...string) (*testcluster.T, *kubernetes.Clientset, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("pods need root for namespaces")
	}
	c := testcluster.StartT(t, serverArgs...)
	node := c.NodeName
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
