package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// todoDB is seed 002's todo-db (listings 8.1, 8.3 and 8.4, whose pod spec
// the chapter leaves out) on the host's PostgreSQL: a headless Service, a
// StatefulSet of 2 with one claim per pod, and the chapter's sleep
// Deployment for DNS lookups. Until images imply their command (the
// image table of the seed-scenarios issue), the container names initdb
// and postgres itself, and an init container hands the claim's data
// directory to the postgres user (fsGroup comes with that issue too).
// PGBIN, PGUID and PGGID are the host's.
const todoDB = `apiVersion: v1
kind: Service
metadata: {name: todo-db, labels: {kiamol: ch08}}
spec:
  selector: {app: todo-db}
  clusterIP: None
  ports: [{port: 5432, targetPort: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: todo-db, labels: {kiamol: ch08}}
spec:
  selector:
    matchLabels: {app: todo-db}
  serviceName: todo-db
  replicas: 2
  template:
    metadata:
      labels: {app: todo-db}
    spec:
      terminationGracePeriodSeconds: 5
      initContainers:
      - name: own-data
        image: kiamol/ch03-sleep
        command: [sh, -c, 'mkdir -p /data/pgdata && chown PGUID:PGGID /data/pgdata && chmod 700 /data/pgdata']
        volumeMounts: [{name: data, mountPath: /data}]
      containers:
      - name: db
        image: postgres:11.6-alpine
        env:
        - {name: PATH, value: "PGBIN:/usr/sbin:/usr/bin:/sbin:/bin"}
        - {name: PGDATA, value: /var/lib/postgresql/data/pgdata}
        command: [sh, -c]
        args:
        - |
          set -e
          if [ ! -s "$PGDATA/PG_VERSION" ]; then
            initdb -D "$PGDATA" -U postgres --auth=trust >/dev/null
            echo "host all all all trust" >>"$PGDATA/pg_hba.conf"
          fi
          exec postgres -D "$PGDATA" -k /tmp -c listen_addresses='*' -c shared_buffers=8MB
        securityContext: {runAsUser: PGUID, runAsGroup: PGGID}
        ports: [{containerPort: 5432}]
        readinessProbe:
          exec: {command: [pg_isready, -h, 127.0.0.1, -U, postgres]}
          periodSeconds: 1
        volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
  - metadata: {name: data, labels: {kiamol: ch08}}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 5Mi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: sleep, labels: {kiamol: ch08}}
spec:
  selector:
    matchLabels: {app: sleep}
  template:
    metadata:
      labels: {app: sleep}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: sleep
        image: kiamol/ch03-sleep
        env: [{name: PATH, value: "PGBIN:/usr/sbin:/usr/bin:/sbin:/bin"}]
        command: [sleep, "3600"]
`

// postgresHost is the host's PostgreSQL: its bin directory and the
// postgres user's uid and gid.
func postgresHost(t *testing.T) (bin, uid, gid string) {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(found) == 0 {
		t.Fatal("no /usr/lib/postgresql/*/bin/postgres: make test installs postgresql")
	}
	id := func(flag string) string {
		out, err := exec.Command("id", flag, "postgres").Output()
		if err != nil {
			t.Fatalf("id %s postgres: %v", flag, err)
		}
		return strings.TrimSpace(string(out))
	}
	return filepath.Dir(found[len(found)-1]), id("-u"), id("-g")
}

// TestSeed002TodoDBRunsInOrderKeepsDataAndResolves walks seed 002's
// todo-db exercises with the real kubectl and PostgreSQL: pods start in
// order, pod 0's hostname is its name, a deleted pod 0 comes back as a
// new pod (new UID) with the row written before, each pod's DNS name
// resolves from the sleep Deployment's pod (which reaches PostgreSQL by
// it), and kubectl scale goes to 3 (in order) and back to 1, keeping the
// claims.
func TestSeed002TodoDBRunsInOrderKeepsDataAndResolves(t *testing.T) {
	c, cs, _ := startWithAgent(t)
	bin, uid, gid := postgresHost(t)
	c.RunIn(strings.NewReplacer("PGBIN", bin, "PGUID", uid, "PGGID", gid).Replace(todoDB), "apply", "-f", "-")
	c.Run("rollout", "status", "statefulset/todo-db", "--timeout=180s")
	assertColumns(t, firstLine(c.Run("get", "statefulset", "todo-db")), []string{"NAME", "READY", "AGE"})
	assertStartedAfterReady(t, cs, "todo-db-0", "todo-db-1")
	if got := strings.TrimSpace(c.Run("exec", "pod/todo-db-0", "--", "hostname")); got != "todo-db-0" {
		t.Errorf("kubectl exec pod/todo-db-0 -- hostname: %q", got)
	}
	if got := c.Run("logs", "todo-db-1", "--tail", "1"); !strings.Contains(got, "ready to accept connections") {
		t.Errorf("kubectl logs todo-db-1 --tail 1: %q", got)
	}
	psql := func(pod, sql string) string {
		return strings.TrimSpace(c.Run("exec", pod, "--", "psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql))
	}
	psql("todo-db-0", "CREATE TABLE todo (item text); INSERT INTO todo VALUES ('kept across pods')")

	before := c.Run("get", "pod", "todo-db-0", "-o", "jsonpath={.metadata.uid}")
	c.Run("delete", "pod", "todo-db-0")
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), "todo-db-0", metav1.GetOptions{})
		return err == nil && string(p.UID) != before && podReady(p)
	}, "a new, Ready todo-db-0")
	if got := psql("todo-db-0", "SELECT item FROM todo"); got != "kept across pods" {
		t.Errorf("the new pod 0 reads %q from its claim", got)
	}

	c.Run("rollout", "status", "deployment/sleep", "--timeout=60s")
	service := c.Run("exec", "deploy/sleep", "--", "sh", "-c", `nslookup todo-db | grep "^[^*]"`)
	for _, pod := range []string{"todo-db-0", "todo-db-1"} {
		if ip := podIP(t, cs, pod); !strings.Contains(service, "Address: "+ip) {
			t.Errorf("nslookup todo-db lacks %s's %s:\n%s", pod, ip, service)
		}
	}
	one := c.Run("exec", "deploy/sleep", "--", "sh", "-c", `nslookup todo-db-0.todo-db.default.svc.cluster.local | grep "^[^*]"`)
	if ip := podIP(t, cs, "todo-db-0"); !strings.Contains(one, "Address: "+ip) {
		t.Errorf("nslookup of pod 0's name lacks %s:\n%s", ip, one)
	}
	got := strings.TrimSpace(c.Run("exec", "deploy/sleep", "--", "psql", "-h", "todo-db-0.todo-db.default.svc.cluster.local", "-U", "postgres", "-tAc", "SELECT item FROM todo"))
	if got != "kept across pods" {
		t.Errorf("psql from the sleep pod by pod 0's DNS name: %q", got)
	}

	c.Run("scale", "--replicas=3", "statefulset/todo-db")
	c.Run("rollout", "status", "statefulset/todo-db", "--timeout=180s")
	assertStartedAfterReady(t, cs, "todo-db-1", "todo-db-2")
	c.Run("scale", "--replicas=1", "statefulset/todo-db")
	waitFor(t, func() bool {
		pods, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=todo-db"})
		return err == nil && len(pods.Items) == 1 && pods.Items[0].Name == "todo-db-0"
	}, "scale to 1 leaves todo-db-0 alone")
	if claims := c.Run("get", "pvc", "-l", "kiamol=ch08", "-o", "name"); strings.Count(claims, "data-todo-db-") != 3 {
		t.Errorf("claims after scaling to 1 (kept, as in Kubernetes):\n%s", claims)
	}
}

// assertStartedAfterReady: pod later was created no earlier than pod
// earlier became Ready (OrderedReady), to the second the API keeps.
func assertStartedAfterReady(t *testing.T, cs kubernetes.Interface, earlier, later string) {
	t.Helper()
	get := func(name string) *corev1.Pod {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	e, l := get(earlier), get(later)
	if ready := readyTime(e); ready.IsZero() || l.CreationTimestamp.Before(&ready) {
		t.Errorf("%s was created at %s, before %s was Ready (%s)", later, l.CreationTimestamp, earlier, ready)
	}
}

func podIP(t *testing.T, cs kubernetes.Interface, name string) string {
	t.Helper()
	p, err := cs.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil || p.Status.PodIP == "" {
		t.Fatalf("pod %s has no IP: %v", name, err)
	}
	return p.Status.PodIP
}
