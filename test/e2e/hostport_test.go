package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TestHostPorts: containers' hostPorts are published on the node, TCP and
// UDP on the same port going to different pods; a third pod bound to the
// node with a port already held fails admission (NodePorts), as the
// kubelet rejects it, and one left to the scheduler stays Pending.
// Not parallel: host ports are the machine's; the port it picks free can be taken by another test's server or pod before the pod binds it, and its "closed with its pod" check reads the machine-wide port.
func TestHostPorts(t *testing.T) {
	c, cs, node := startWithAgent(t)
	port := freeLoopbackPort(t)
	c.RunIn(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: tcp}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox
    command: [sh, -c, 'mkdir /tmp/w && hostname > /tmp/w/name && cd /tmp/w && exec python3 -m http.server 8080']
    ports: [{containerPort: 8080, hostPort: %[1]d, hostIP: 127.0.0.1}]
---
apiVersion: v1
kind: Pod
metadata: {name: udp}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: echo
    image: busybox
    command: [python3, -c, 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 5353)); [s.sendto(socket.gethostname().encode(), s.recvfrom(100)[1]) for _ in iter(int, 1)]']
    ports: [{containerPort: 5353, hostPort: %[1]d, hostIP: 127.0.0.1, protocol: UDP}]
`, port), "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/tcp", "pod/udp", "--timeout=60s")
	var body string
	waitFor(t, func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/name", port))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = strings.TrimSpace(string(b))
		return resp.StatusCode == 200
	}, "the TCP host port answering")
	if body != "tcp" {
		t.Errorf("TCP host port reached %q, want the pod tcp", body)
	}
	if got := udpAsk(t, fmt.Sprintf("127.0.0.1:%d", port)); got != "udp" {
		t.Errorf("UDP host port reached %q, want the pod udp", got)
	}

	c.RunIn(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: bound-conflict}
spec:
  nodeName: %[2]s
  containers:
  - {name: c, image: busybox, command: [sleep, "3600"], ports: [{containerPort: 80, hostPort: %[1]d}]}
---
apiVersion: v1
kind: Pod
metadata: {name: scheduled-conflict}
spec:
  containers:
  - {name: c, image: busybox, command: [sleep, "3600"], ports: [{containerPort: 80, hostPort: %[1]d, hostIP: 127.0.0.1}]}
`, port, node), "apply", "-f", "-")
	p := waitPhase(t, cs, "bound-conflict", corev1.PodFailed)
	if p.Status.Reason != "NodePorts" || !strings.Contains(p.Status.Message, "didn't have free ports") {
		t.Errorf("bound pod with a taken host port: reason %q message %q", p.Status.Reason, p.Status.Message)
	}
	waitFor(t, func() bool {
		out := c.Run("get", "pod", "scheduled-conflict", "-o", "jsonpath={.status.conditions[?(@.type=='PodScheduled')].message}")
		return strings.Contains(out, "didn't have free ports for the requested pod ports")
	}, "the scheduler reporting the taken host port")

	// The pod left Pending for want of the port is deleted first: the
	// scheduler looks at pending pods again when a pod goes, and would
	// place it on the port the tcp pod frees.
	c.Run("delete", "pod", "scheduled-conflict", "bound-conflict", "--wait")
	c.Run("delete", "pod", "tcp", "--wait")
	waitFor(t, func() bool {
		_, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		return err != nil
	}, "the host port closed with its pod")
}

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func udpAsk(t *testing.T, addr string) string {
	t.Helper()
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 100)
	for i := 0; i < 20; i++ {
		_, _ = conn.Write([]byte("who"))
		_ = conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if n, err := conn.Read(buf); err == nil {
			return string(buf[:n])
		}
	}
	return ""
}
