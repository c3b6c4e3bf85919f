package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPodSysctls: a safe sysctl is set in the pod's own namespaces (the
// host keeps its value); an unsafe one the node does not allow fails the
// pod with SysctlForbidden before it runs, unless --allowed-unsafe-sysctls
// names it; a malformed name is refused by the API with the field named.
// The pod sets kernel.shm_rmid_forced to the value the host does not have,
// so that a value leaked to the host shows.
func TestPodSysctls(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t, "--allowed-unsafe-sysctls", "kernel.msg*")
	host := readHostSysctl(t, "kernel/shm_rmid_forced")
	shm := "1"
	if host == "1" {
		shm = "0"
	}
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: safe}
spec:
  restartPolicy: Never
  securityContext: {sysctls: [{name: kernel.shm_rmid_forced, value: "`+shm+`"}, {name: net/ipv4/ip_local_port_range, value: "20000 20999"}]}
  containers:
  - {name: c, image: registry.k8s.io/e2e-test-images/busybox:1.37.0-1, command: [/bin/sysctl, kernel.shm_rmid_forced, net.ipv4.ip_local_port_range]}
---
apiVersion: v1
kind: Pod
metadata: {name: allowed}
spec:
  restartPolicy: Never
  securityContext: {sysctls: [{name: kernel.msgmax, value: "65536"}]}
  containers:
  - {name: c, image: busybox, command: [cat, /proc/sys/kernel/msgmax]}
---
apiVersion: v1
kind: Pod
metadata: {name: unsafe}
spec:
  restartPolicy: Never
  securityContext: {sysctls: [{name: net.core.somaxconn, value: "1024"}]}
  containers:
  - {name: c, image: busybox, command: [touch, /ran]}
`, "apply", "-f", "-")
	waitPhase(t, cs, "safe", corev1.PodSucceeded)
	logs := c.Run("logs", "safe")
	for _, want := range []string{"kernel.shm_rmid_forced = " + shm, "net.ipv4.ip_local_port_range = 20000\t20999"} {
		if !strings.Contains(logs, want) {
			t.Errorf("safe pod's sysctl output %q lacks %q", logs, want)
		}
	}
	if got := readHostSysctl(t, "kernel/shm_rmid_forced"); got != host {
		t.Errorf("the host's kernel.shm_rmid_forced changed: %s → %s", host, got)
	}
	waitPhase(t, cs, "allowed", corev1.PodSucceeded)
	if got := strings.TrimSpace(c.Run("logs", "allowed")); got != "65536" {
		t.Errorf("allowed unsafe sysctl: kernel.msgmax %q in the pod", got)
	}

	p := waitPhase(t, cs, "unsafe", corev1.PodFailed)
	if p.Status.Reason != "SysctlForbidden" || p.Status.Message != `forbidden sysctl: "net.core.somaxconn" not allowlisted` {
		t.Errorf("unsafe pod: reason %q message %q", p.Status.Reason, p.Status.Message)
	}
	if len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Terminated != nil {
		t.Errorf("the forbidden pod's container ran: %+v", p.Status.ContainerStatuses[0].State)
	}
	evs, err := cs.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=unsafe,reason=SysctlForbidden"})
	if err != nil || len(evs.Items) != 1 {
		t.Errorf("SysctlForbidden events: %v, %v", evs, err)
	}

	out := c.Fail(`apiVersion: v1
kind: Pod
metadata: {name: invalid}
spec:
  securityContext: {sysctls: [{name: foo-, value: bar}, {name: kernel.shmmax, value: "1"}, {name: bar.., value: "42"}]}
  containers: [{name: c, image: busybox}]
`, "apply", "-f", "-")
	for _, want := range []string{`spec.securityContext.sysctls[0].name: Invalid value: "foo-"`, `spec.securityContext.sysctls[2].name: Invalid value: "bar.."`} {
		if !strings.Contains(out, want) {
			t.Errorf("invalid sysctls: %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, "kernel.shmmax") {
		t.Errorf("a well-formed sysctl was named as invalid: %s", out)
	}
}

func readHostSysctl(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
