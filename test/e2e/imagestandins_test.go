package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// standInPods run the image table's stand-ins the way manifests written
// for the official images use them: nginx's document root written by
// the pod, its default.conf replaced by a ConfigMap or written from a
// template with the environment's values, the StatefulSet
// tutorial's nginx-slim serving a volume, nginx-unprivileged on 8080 as
// uid 101 (the image's user), redis reached from another pod
// through a Service, and MariaDB starting on data an init container
// wrote as root (the MySQL StatefulSet tutorial's clone).
const standInPods = `apiVersion: v1
kind: Pod
metadata: {name: nginx}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: nginx:1.27
    readinessProbe:
      httpGet: {path: /, port: 80}
      periodSeconds: 1
---
apiVersion: v1
kind: ConfigMap
metadata: {name: nginx-conf}
data:
  default.conf: |
    server {
      listen 80;
      location / {
        default_type text/plain;
        return 200 "served by the ConfigMap's default.conf\n";
      }
    }
---
apiVersion: v1
kind: Pod
metadata: {name: nginx-conf}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: docker.io/library/nginx:1.27-alpine
    volumeMounts:
    - {name: conf, mountPath: /etc/nginx/conf.d/default.conf, subPath: default.conf}
    readinessProbe:
      httpGet: {path: /, port: 80}
      periodSeconds: 1
  volumes:
  - name: conf
    configMap: {name: nginx-conf}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: nginx-templates}
data:
  default.conf.template: |
    server {
      listen ${NGINX_PORT};
      location / {
        default_type text/plain;
        return 200 "${GREETING} from $host\n";
      }
    }
---
apiVersion: v1
kind: Pod
metadata: {name: nginx-templates}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: nginx:1.27
    env:
    - {name: NGINX_PORT, value: "80"}
    - {name: GREETING, value: hello}
    volumeMounts:
    - {name: templates, mountPath: /etc/nginx/templates}
    readinessProbe:
      httpGet: {path: /, port: 80}
      periodSeconds: 1
  volumes:
  - name: templates
    configMap: {name: nginx-templates}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: registry.k8s.io/nginx-slim:0.8
    ports: [{containerPort: 80, name: web}]
    volumeMounts:
    - {name: www, mountPath: /usr/share/nginx/html}
  volumes:
  - name: www
    emptyDir: {}
---
apiVersion: v1
kind: Pod
metadata: {name: unprivileged}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {runAsUser: 101, runAsGroup: 101}
  containers:
  - name: web
    image: nginxinc/nginx-unprivileged:1.27
    readinessProbe:
      httpGet: {path: /, port: 8080}
      periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: redis}
spec:
  selector: {app: redis}
  ports: [{port: 6379}]
---
apiVersion: v1
kind: Pod
metadata: {name: redis, labels: {app: redis}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: redis
    image: redis:7-alpine
    readinessProbe:
      exec: {command: [redis-cli, ping]}
      periodSeconds: 1
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: sleep
    image: kiamol/ch03-sleep
---
apiVersion: v1
kind: Pod
metadata: {name: mariadb}
spec:
  terminationGracePeriodSeconds: 2
  initContainers:
  - name: clone
    image: mariadb:10.11
    command: [mariadb-install-db, --datadir=/var/lib/mysql, --auth-root-authentication-method=normal, --skip-test-db]
    volumeMounts:
    - {name: data, mountPath: /var/lib/mysql}
  containers:
  - name: db
    image: mariadb:10.11
    volumeMounts:
    - {name: data, mountPath: /var/lib/mysql}
    readinessProbe:
      exec: {command: [mariadb-admin, ping, -uroot]}
      periodSeconds: 1
  volumes:
  - name: data
    emptyDir: {}
`

// TestImageStandInsBehaveAsTheOfficialImages: what manifests rely on in
// the official nginx, redis and mariadb images holds for the stand-ins.
func TestImageStandInsBehaveAsTheOfficialImages(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(standInPods, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/nginx", "pod/nginx-conf", "pod/nginx-templates", "pod/web-0", "pod/unprivileged", "pod/redis", "pod/client", "--timeout=120s")
	getPort := func(pod, port, path string) string {
		t.Helper()
		resp, err := http.Get("http://" + net.JoinHostPort(podIP(t, cs, pod), port) + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	get := func(pod, path string) string { t.Helper(); return getPort(pod, "80", path) }

	t.Run("nginx serves /usr/share/nginx/html", func(t *testing.T) {
		if got := get("nginx", "/"); !strings.Contains(got, "<h1>Welcome to nginx!</h1>") {
			t.Errorf("nginx's default page: %q", got)
		}
		c.Run("exec", "nginx", "--", "sh", "-c", "echo written by the pod >/usr/share/nginx/html/index.html")
		if got := get("nginx", "/"); got != "written by the pod\n" {
			t.Errorf("after writing /usr/share/nginx/html/index.html, / is %q", got)
		}
	})
	t.Run("kubectl logs shows nginx's access log", func(t *testing.T) {
		get("nginx", "/?from=the-e2e-test")
		waitFor(t, func() bool {
			return strings.Contains(c.Run("logs", "nginx"), `"GET /?from=the-e2e-test HTTP/1.1" 200`)
		}, "the request's access log line in kubectl logs")
	})
	t.Run("a ConfigMap's default.conf takes effect", func(t *testing.T) {
		if got := get("nginx-conf", "/"); got != "served by the ConfigMap's default.conf\n" {
			t.Errorf("nginx with a ConfigMap at /etc/nginx/conf.d/default.conf: %q", got)
		}
	})
	t.Run("nginx fills in its templates from the environment", func(t *testing.T) {
		// Only variables the environment defines: nginx's $host stays.
		if got := get("nginx-templates", "/"); !strings.HasPrefix(got, "hello from ") || strings.Contains(got, "$") {
			t.Errorf("nginx with /etc/nginx/templates/default.conf.template: %q", got)
		}
	})
	t.Run("nginx-slim serves its volume", func(t *testing.T) {
		c.Run("exec", "web-0", "--", "sh", "-c", `echo "$(hostname)" >/usr/share/nginx/html/index.html`)
		if got := get("web-0", "/"); got != "web-0\n" {
			t.Errorf("nginx-slim: %q", got)
		}
	})
	t.Run("nginx-unprivileged serves on 8080 as uid 101", func(t *testing.T) {
		if got := getPort("unprivileged", "8080", "/"); !strings.Contains(got, "<h1>Welcome to nginx!</h1>") {
			t.Errorf("nginx-unprivileged's default page: %q", got)
		}
	})
	t.Run("redis answers another pod", func(t *testing.T) {
		var got string
		waitFor(t, func() bool {
			got, _, _ = c.Kubectl(context.Background(), "", "exec", "client", "--", "redis-cli", "-h", "redis", "ping")
			return strings.TrimSpace(got) == "PONG"
		}, "PONG for redis-cli -h redis ping from another pod")
		// The working directory is asked of redis itself: exec runs with the
		// container's capabilities (no CAP_SYS_PTRACE), so, as on a real
		// cluster, it may not read /proc/1/cwd of the redis user's process.
		if got := c.Run("exec", "redis", "--", "sh", "-c", "stat -c %U /proc/1; redis-cli config get dir | tail -n 1"); got != "redis\n/data\n" {
			t.Errorf("redis-server's user and working directory: %q, want redis and /data", got)
		}
	})
	t.Run("mariadb takes over data an init container wrote", func(t *testing.T) {
		c.Run("wait", "--for=condition=Ready", "pod/mariadb", "--timeout=120s")
		if got := c.Run("exec", "mariadb", "--", "mariadb", "-uroot", "-Nse", "CREATE DATABASE cloned; SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'cloned'"); strings.TrimSpace(got) != "1" {
			t.Errorf("a database on the cloned data: %q", got)
		}
	})
}
