package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// TestExecOverTheFirstChannelProtocol: a WebSocket client speaking
// channel.k8s.io (not kubectl's v4/v5) runs a command through the API
// server and gets its output on channel 1 with nothing else but the
// channels' opening frames, and a failure as plain text on channel 3, as
// the kubelet answers (Kubernetes' websocket exec conformance test).
func TestExecOverTheFirstChannelProtocol(t *testing.T) {
	t.Parallel()
	c, _, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: ws}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
`, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/ws", "--timeout=60s")
	run := func(command ...string) map[byte]string {
		q := url.Values{"command": command, "stdout": {"true"}, "stderr": {"true"}}
		ws := dialWebSocket(t, c, "/api/v1/namespaces/default/pods/ws/exec?"+q.Encode(), "channel.k8s.io")
		defer ws.Close()
		_ = ws.SetDeadline(time.Now().Add(30 * time.Second))
		got := map[byte]string{}
		for {
			var frame []byte
			if err := websocket.Message.Receive(ws, &frame); err != nil {
				return got
			}
			if len(frame) > 1 {
				got[frame[0]] += string(frame[1:])
			}
		}
	}
	if got := run("echo", "remote execution test"); got[1] != "remote execution test\n" || len(got) != 1 {
		t.Errorf("echo: %q, want only its output on channel 1", got)
	}
	if got := run("sh", "-c", "exit 3"); !strings.Contains(got[3], "exit status 3") {
		t.Errorf("a failing command: %q, want its error on channel 3", got)
	}
}
