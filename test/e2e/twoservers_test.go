package e2e

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// TestASecondServerNeverTakesTheFirstOnesNetworkOrPods: a second ordo
// server on the same host whose data directory, node (and so cgroups),
// bridge, pod range (and so DNS address), service interface or Service
// range is the first one's is refused before it touches anything, with an
// error naming the resource and the flag that chooses another. One with
// resources of its own runs beside it, and stopping it leaves the first
// server's devices and pods alone.
func TestASecondServerNeverTakesTheFirstOnesNetworkOrPods(t *testing.T) {
	t.Parallel()
	first := testcluster.StartT(t)
	cs := clientOf(t, first.Server)
	first.RunIn(backendPod("web", "app: web")+"---\n"+webService, "apply", "-f", "-")
	waitReady(t, first, "web")
	clusterIP := first.Run("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")
	checkFirstServes := func(when string) {
		t.Helper()
		pod, err := cs.CoreV1().Pods("default").Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if pod.Status.Phase != corev1.PodRunning || len(pod.Status.ContainerStatuses) != 1 || pod.Status.ContainerStatuses[0].RestartCount != 0 {
			t.Fatalf("%s: the first server's pod is %s with statuses %+v", when, pod.Status.Phase, pod.Status.ContainerStatuses)
		}
		for _, addr := range []string{net.JoinHostPort(pod.Status.PodIP, "8080"), net.JoinHostPort(clusterIP, "80")} {
			if got := httpGet(t, "http://"+addr+"/"); !strings.Contains(got, "hello from web") {
				t.Fatalf("%s: http://%s answered %q", when, addr, got)
			}
		}
		for _, dev := range []string{first.Bridge, first.ServiceInterface} {
			if _, err := netlink.LinkByName(dev); err != nil {
				t.Fatalf("%s: the first server's %s is gone: %v", when, dev, err)
			}
		}
	}
	checkFirstServes("before")

	// The second node's name is the first's plus -2, unique like it: a
	// node name claims cgroups machine-wide, and tests run in parallel.
	secondNode := first.NodeName + "-2"
	own := map[string]string{"--data-dir": t.TempDir(), "--node-name": secondNode, "--bridge": "ordo-x2",
		"--pod-cidr": "10.251.0.0/16", "--service-interface": "ordo-y2", "--service-cidr": "10.252.0.0/24"}
	shared := []struct{ flag, value, want string }{
		{"--data-dir", first.DataDir, "data directory " + first.DataDir + " is in use by another ordo"},
		{"--node-name", first.NodeName, "node " + first.NodeName + " (cgroups ordo-" + first.NodeName + ") is in use by another ordo"},
		{"--bridge", first.Bridge, "bridge " + first.Bridge + " is in use by another ordo"},
		{"--pod-cidr", first.PodCIDR, "pod CIDR " + first.PodCIDR + " (cluster DNS "},
		{"--service-interface", first.ServiceInterface, "service interface " + first.ServiceInterface + " is in use by another ordo"},
		{"--service-cidr", first.ServiceCIDR, "service CIDR " + first.ServiceCIDR + " is in use by another ordo"},
	}
	for _, s := range shared {
		out := refusedServer(t, first.Bin, own, s.flag, s.value)
		if !strings.Contains(out, s.want) || !strings.Contains(out, "choose another with "+s.flag) {
			t.Errorf("a second server sharing %s %s: %s", s.flag, s.value, out)
		}
	}
	checkFirstServes("after the refused starts")

	second := testcluster.StartT(t, "--node-name", secondNode)
	second.RunIn(sleeperPod("other", "app: other", "", ""), "apply", "-f", "-")
	waitReady(t, second, "other")
	second.Stop()
	checkFirstServes("after the second server stopped")
}

// refusedServer starts `ordo server` with own's flags but flag=value, and
// returns its output once it has exited; it must exit at once, non-zero.
func refusedServer(t *testing.T, bin string, own map[string]string, flag, value string) string {
	t.Helper()
	port, err := testcluster.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"server", "--listen", fmt.Sprintf("127.0.0.1:%d", port)}
	for f, v := range own {
		if f == flag {
			v = value
		}
		args = append(args, f, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err == nil || ctx.Err() != nil {
		t.Fatalf("ordo server with %s %s was not refused (%v):\n%s", flag, value, err, out)
	}
	return string(out)
}
