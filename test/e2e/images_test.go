package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// imagePods name images and no command: ordo's image table says what
// each runs, as the image's ENTRYPOINT and CMD would.
const imagePods = `apiVersion: v1
kind: Pod
metadata: {name: mariadb}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: db
    image: mariadb:10.11
    env:
    - {name: MYSQL_ROOT_PASSWORD, value: "kiamol"}
    - {name: MYSQL_DATABASE, value: todo}
    - {name: MYSQL_USER, value: app}
    - {name: MYSQL_PASSWORD, value: "app-pw"}
    readinessProbe:
      exec: {command: [mariadb-admin, ping, -uroot, -pkiamol]}
      periodSeconds: 1
---
apiVersion: v1
kind: Pod
metadata: {name: redis}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: redis
    image: docker.io/library/redis:7
    args: ["--port", "6380"]
---
apiVersion: v1
kind: Pod
metadata: {name: sleep}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: sleep
    image: kiamol/ch03-sleep
---
apiVersion: v1
kind: Pod
metadata: {name: nginx}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: nginx:1.25-alpine
    readinessProbe:
      httpGet: {path: /, port: 80}
      periodSeconds: 1
---
apiVersion: v1
kind: Pod
metadata: {name: unknown}
spec:
  containers:
  - name: app
    image: registry.example.com/team/app:1.0
`

// TestImagesImplyTheirCommand: containers that name only an image run
// what the image would: MariaDB initialised from MYSQL_* (a user that can
// log in to its database), nginx serving its default site, redis-server with args that start with an
// option, the kiamol sleep image sleeping, with an ImageTable event; an
// image in no entry whose registry cannot be reached is ErrImagePull
// saying nothing stands in for it.
func TestImagesImplyTheirCommand(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(imagePods, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/mariadb", "pod/redis", "pod/sleep", "pod/nginx", "--timeout=120s")
	resp, err := http.Get("http://" + net.JoinHostPort(podIP(t, cs, "nginx"), "80") + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "nginx") {
		t.Errorf("nginx with no command: %d %q", resp.StatusCode, body)
	}
	// As with the official image, the readiness probe's ping passes on the
	// socket-only server that applies MYSQL_*; TCP comes with the real one.
	waitFor(t, func() bool {
		got, _, err := c.Kubectl(context.Background(), "", "exec", "mariadb", "--", "mariadb", "-uapp", "-papp-pw", "-h", "127.0.0.1", "todo", "-Nse", "SELECT DATABASE(), CURRENT_USER()")
		return err == nil && strings.Contains(got, "todo\tapp@%")
	}, "MYSQL_USER logs in to MYSQL_DATABASE over TCP")
	if got := strings.TrimSpace(c.Run("exec", "redis", "--", "redis-cli", "-p", "6380", "ping")); got != "PONG" {
		t.Errorf("redis-server with --port 6380: %q", got)
	}
	if got := c.Run("exec", "sleep", "--", "cat", "/proc/1/cmdline"); !strings.HasPrefix(got, "sleep\x00") {
		t.Errorf("kiamol/ch03-sleep runs %q", got)
	}
	// Its registry cannot be reached from here, and nothing stands in.
	waitFor(t, func() bool {
		out := c.Run("get", "pod", "unknown", "--no-headers")
		return strings.Contains(out, "ErrImagePull") || strings.Contains(out, "ImagePullBackOff")
	}, "ErrImagePull for an image no registry serves and no entry knows")
	if got := c.Run("describe", "pod", "unknown"); !strings.Contains(got, `Failed to pull image "registry.example.com/team/app:1.0"`) ||
		!strings.Contains(got, "the image table has no entry for it") {
		t.Errorf("describe pod unknown lacks the pull error:\n%s", got)
	}
	// The images that ran came from the table: an event says so.
	if got := c.Run("describe", "pod", "redis"); !strings.Contains(got, "ImageTable") || !strings.Contains(got, "image table") {
		t.Errorf("describe pod redis does not say it runs the host's programs:\n%s", got)
	}
}
