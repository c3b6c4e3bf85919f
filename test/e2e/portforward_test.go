package e2e

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	"golang.org/x/net/websocket"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// webPod serves a page on 127.0.0.1:port inside the pod's network namespace:
// reachable by port-forward (the pod's localhost), not by the pod's IP. With
// hostNetwork that namespace is the host's.
func webPod(name, port string, hostNetwork bool) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  hostNetwork: ` + strconv.FormatBool(hostNetwork) + `
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: python
    command:
    - sh
    - -c
    - mkdir -p /tmp/www && echo hello from ` + name + ` > /tmp/www/index.html &&
      exec /usr/bin/python3 -m http.server ` + port + ` --bind 127.0.0.1 --directory /tmp/www
    readinessProbe:
      exec: {command: [bash, -c, 'exec 3<>/dev/tcp/127.0.0.1/` + port + `']}
      periodSeconds: 1
`
}

func TestPortForward(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(webPod("web", "8080", false), "apply", "-f", "-")
	p := waitPod(t, cs, "web", podReady, "web serves on its localhost")
	if p.Status.PodIP != "" && p.Status.PodIP != p.Status.HostIP {
		if canConnect(net.JoinHostPort(p.Status.PodIP, "8080")) {
			t.Fatalf("the pod's IP %s answers on 8080: the test would not prove the pod-localhost path", p.Status.PodIP)
		}
	}
	// kubectl tries SPDY tunnelled over WebSocket first (the API server
	// unwraps it); with that off it upgrades to SPDY directly. Its -v=4 log
	// says which it used.
	for _, tc := range []struct{ name, env, tunnelLog string }{
		{"websocket", "", "Negotiation complete"},
		{"spdy", "KUBECTL_PORT_FORWARD_WEBSOCKETS=false", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pf := startPortForward(t, c.With(t), tc.env, "-v=4", "pod/web", ":8080")
			for range 2 { // one session, two forwarded connections
				if got := httpGet(t, "http://"+pf.addr+"/index.html"); got != "hello from web\n" {
					t.Fatalf("GET through port-forward: %q", got)
				}
			}
			stopPortForward(t, pf.cmd)
			if canConnect(pf.addr) {
				t.Fatalf("%s still accepts connections after kubectl stopped", pf.addr)
			}
			log := pf.stderr.String()
			if strings.Contains(log, "fallback to secondary dialer") || (tc.tunnelLog != "") != strings.Contains(log, "Negotiation complete") {
				t.Fatalf("kubectl did not connect as expected (%s):\n%s", tc.name, log)
			}
		})
	}
	t.Run("bare websocket", func(t *testing.T) { portForwardBareWebSocket(t, c.With(t)) })
	t.Run("host network", func(t *testing.T) { portForwardHostNetwork(t, c.With(t), cs) })
	t.Run("errors", func(t *testing.T) { portForwardErrors(t, c.With(t), cs) })
}

// portForwardBareWebSocket speaks the kubelet's bare WebSocket port
// forwarding through the API server, as the Python and JavaScript clients do:
// ?ports=8080, channel 0 carries port 8080's data, each channel's first frame
// names its port.
func portForwardBareWebSocket(t *testing.T, c *testcluster.T) {
	ws := dialWebSocket(t, c, "/api/v1/namespaces/default/pods/web/portforward?ports=8080", "v4.channel.k8s.io")
	defer ws.Close()
	if err := websocket.Message.Send(ws, append([]byte{0}, "GET /index.html HTTP/1.0\r\n\r\n"...)); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetDeadline(time.Now().Add(30 * time.Second))
	var data string
	for { // until the agent closes: python answers HTTP/1.0 and hangs up
		var frame []byte
		if err := websocket.Message.Receive(ws, &frame); err != nil {
			break
		}
		if len(frame) > 0 && frame[0] == 0 {
			data += string(frame[1:])
		}
	}
	if !strings.HasPrefix(data, "\x90\x1f") || !strings.HasSuffix(data, "\r\n\r\nhello from web\n") {
		t.Fatalf("data channel: %q, want port 8080 (little-endian) and then the page", data)
	}
}

// dialWebSocket opens a WebSocket to the API server's path with the
// admin's credentials, offering protocol.
func dialWebSocket(t *testing.T, c *testcluster.T, path, protocol string) *websocket.Conn {
	t.Helper()
	rc, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	tlsConfig, err := rest.TLSConfigFor(rc)
	if err != nil {
		t.Fatal(err)
	}
	wc, err := websocket.NewConfig("wss"+strings.TrimPrefix(rc.Host, "https")+path, "https://localhost/")
	if err != nil {
		t.Fatal(err)
	}
	wc.TlsConfig, wc.Protocol = tlsConfig, []string{protocol}
	ws, err := websocket.DialConfig(wc)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// portForwardHostNetwork: a pod on the host network is reached on the
// host's localhost.
func portForwardHostNetwork(t *testing.T, c *testcluster.T, cs kubernetes.Interface) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	_ = ln.Close()
	c.RunIn(webPod("hostweb", port, true), "apply", "-f", "-")
	waitPod(t, cs, "hostweb", podReady, "hostweb serves on the host's localhost")
	pf := startPortForward(t, c, "", "pod/hostweb", ":"+port)
	defer stopPortForward(t, pf.cmd)
	if got := httpGet(t, "http://"+pf.addr+"/index.html"); got != "hello from hostweb\n" {
		t.Fatalf("GET through port-forward: %q", got)
	}
}

// portForwardErrors: an unknown pod is NotFound; a finished pod is refused
// with Kubernetes' message, by kubectl and by the API itself (400).
func portForwardErrors(t *testing.T, c *testcluster.T, cs kubernetes.Interface) {
	if out := c.Fail("", "port-forward", "pod/nope", ":8080"); !strings.Contains(out, "NotFound") {
		t.Fatalf("port-forward to a missing pod: %s", out)
	}
	c.Run("run", "done", "--image=busybox", "--restart=Never", "--command", "--", "true")
	waitPhase(t, cs, "done", corev1.PodSucceeded)
	const notRunning = "unable to forward port because pod is not running. Current status=Succeeded"
	if out := c.Fail("", "port-forward", "pod/done", ":8080"); !strings.Contains(out, notRunning) {
		t.Fatalf("port-forward to a finished pod: %s", out)
	}
	err := cs.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name("done").
		SubResource("portforward").Do(context.Background()).Error()
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), notRunning) {
		t.Fatalf("POST pods/done/portforward: %v, want 400 %q", err, notRunning)
	}
}

var forwardingLine = regexp.MustCompile(`^Forwarding from (127\.0\.0\.1:\d+) -> \d+$`)

// portForward is a running `kubectl port-forward`; read stderr only once
// cmd has exited.
type portForward struct {
	cmd    *exec.Cmd
	addr   string // the local address it forwards from
	stderr *strings.Builder
}

// startPortForward runs `ordo kubectl port-forward` (with env added) until
// it reports its local address; the test's cleanup kills it if still alive.
func startPortForward(t *testing.T, c *testcluster.T, env string, args ...string) portForward {
	t.Helper()
	cmd := exec.Command(c.Bin, append([]string{"kubectl", "port-forward", "--address", "127.0.0.1"}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig())
	if env != "" {
		cmd.Env = append(cmd.Env, env)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	found := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if m := forwardingLine.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // "Handling connection for ..." lines
	}()
	select {
	case addr := <-found:
		return portForward{cmd: cmd, addr: addr, stderr: stderr}
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("kubectl port-forward printed no Forwarding line; stderr: %s", stderr.String())
		return portForward{}
	}
}

// stopPortForward interrupts kubectl as Ctrl-C would and checks that it
// exits and its process is gone.
func stopPortForward(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("kubectl port-forward did not exit on SIGINT")
	}
	if err := syscall.Kill(cmd.Process.Pid, 0); err != syscall.ESRCH {
		t.Fatalf("kubectl process %d still exists after exiting: %v", cmd.Process.Pid, err)
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	client := http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %q, %v", url, resp.Status, body, err)
	}
	return string(body)
}

func canConnect(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		_ = conn.Close()
	}
	return err == nil
}
