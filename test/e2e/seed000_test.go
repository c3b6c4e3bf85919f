package e2e

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
)

// redisMaster runs the host's redis-server as the pod behind the seed's
// redis-stage-master Service: AOF on, the password from Secret redis-test,
// data in an emptyDir, listening inside the pod's own network namespace.
const redisMaster = `apiVersion: v1
kind: Pod
metadata: {name: redis-master-0, labels: {app: redis, role: master}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: redis
    image: docker.io/bitnami/redis:4.0.12
    env:
    - name: REDIS_PASSWORD
      valueFrom: {secretKeyRef: {name: redis-test, key: redis-password}}
    command: [redis-server]
    args: [--port, "6379", --bind, 0.0.0.0, --appendonly, "yes", --requirepass, $(REDIS_PASSWORD), --dir, /data, --save, ""]
    ports: [{name: redis, containerPort: 6379}]
    volumeMounts: [{name: data, mountPath: /data}]
    readinessProbe:
      tcpSocket: {port: 6379}
      periodSeconds: 1
  volumes:
  - name: data
    emptyDir: {}
---
apiVersion: v1
kind: Service
metadata: {name: redis-stage-master}
spec:
  selector: {app: redis, role: master}
  ports: [{name: redis, port: 6379, targetPort: redis}]
`

// Seed 000: the blog's CronJob, unchanged, rewrites a real redis's AOF
// through the Service name, cluster DNS and the service proxy.
func TestSeed000RedisAOFRewrite(t *testing.T) {
	t.Parallel()
	requirePrograms(t, "redis-server and redis-tools", "redis-server", "redis-cli")
	cron := seedBlock000(t)
	c, _, _ := startWithAgent(t)
	c.Run("create", "namespace", "test")
	c.Run("-n", "test", "create", "secret", "generic", "redis-test", "--from-literal=redis-password=s3cr3t-aof")
	c.RunIn(redisMaster, "-n", "test", "apply", "-f", "-")
	c.Run("-n", "test", "wait", "--for=condition=Ready", "--timeout=120s", "pod/redis-master-0")
	// The Service is served before the Job starts: its Endpoints list the
	// pod and the node's proxy accepts on the ClusterIP.
	podIP := c.Run("-n", "test", "get", "pod", "redis-master-0", "-o", "jsonpath={.status.podIP}")
	clusterIP := c.Run("-n", "test", "get", "svc", "redis-stage-master", "-o", "jsonpath={.spec.clusterIP}")
	waitFor(t, func() bool {
		return c.Run("-n", "test", "get", "endpoints", "redis-stage-master", "-o", "jsonpath={.subsets[0].addresses[0].ip}") == podIP
	}, "Endpoints redis-stage-master list the redis pod")
	waitFor(t, func() bool { return canConnect(net.JoinHostPort(clusterIP, "6379")) }, "the ClusterIP accepts connections")
	before := aofInfo(t, c)
	if before["aof_enabled"] != "1" {
		t.Fatalf("redis runs without AOF: %v", before)
	}

	c.RunIn(cron, "-n", "test", "create", "-f", "-")
	c.Run("-n", "test", "create", "job", "x", "--from=cronjob/redis-bgrewriteaof-cron")
	c.Run("-n", "test", "wait", "--for=condition=complete", "--timeout=180s", "job/x")
	if logs := c.Run("-n", "test", "logs", "job/x"); !strings.Contains(logs, "Background append only file rewriting started") {
		t.Errorf("job output %q, want redis's BGREWRITEAOF reply", logs)
	}

	n0, _ := strconv.Atoi(before["aof_rewrites"])
	waitFor(t, func() bool {
		after := aofInfo(t, c)
		n, err := strconv.Atoi(after["aof_rewrites"])
		return err == nil && n > n0 && after["aof_rewrite_in_progress"] == "0" && after["aof_last_bgrewrite_status"] == "ok"
	}, "redis reports a finished, successful AOF rewrite")
}

// seedBlock000 is the CronJob manifest of seed 000, as written.
func seedBlock000(t *testing.T) string {
	t.Helper()
	for _, b := range loadSeedBlocks(t) {
		if strings.HasPrefix(b.File, "000_") && b.Index == 0 {
			if !strings.Contains(b.YAML, "redis-bgrewriteaof-cron") {
				t.Fatalf("seed 000's first block is not the CronJob:\n%s", b.YAML)
			}
			return b.YAML
		}
	}
	t.Fatal("seed 000 not found")
	return ""
}

// aofInfo is redis's INFO persistence, asked inside the redis pod.
func aofInfo(t *testing.T, c interface {
	Kubectl(context.Context, string, ...string) (string, string, error)
}) map[string]string {
	t.Helper()
	out, errOut, err := c.Kubectl(context.Background(), "", "-n", "test", "exec", "redis-master-0", "--",
		"sh", "-c", `exec redis-cli --no-auth-warning -a "$REDIS_PASSWORD" INFO persistence`)
	if err != nil {
		t.Fatalf("redis-cli INFO: %v: %s", err, errOut)
	}
	info := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			info[k] = v
		}
	}
	return info
}
