package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nginxLab is seed 002's lab (section 8.6) solved: the lab's nginx moved
// from an emptyDir into a 3-replica StatefulSet with a claim per pod for
// its logs, a Service in front, and the disk-calc Job mounting all three
// claims to print each log's size. nginx is the host's, with a config of
// its own (the lab's image brings one) that logs each request to
// /var/log/nginx/access.log.
const nginxLab = `apiVersion: v1
kind: ConfigMap
metadata: {name: nginx-conf, labels: {kiamol: ch08-lab}}
data:
  nginx.conf: |
    worker_processes 1;
    pid /tmp/nginx.pid;
    error_log /var/log/nginx/error.log;
    events { worker_connections 64; }
    http {
      access_log /var/log/nginx/access.log;
      server {
        listen 80;
        location / { return 200 "hello from $hostname\n"; }
      }
    }
---
apiVersion: v1
kind: Service
metadata: {name: nginx, labels: {kiamol: ch08-lab}}
spec:
  selector: {app: nginx}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: nginx, labels: {kiamol: ch08-lab}}
spec:
  selector:
    matchLabels: {app: nginx}
  serviceName: nginx
  replicas: 3
  template:
    metadata:
      labels: {app: nginx}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: nginx
        image: nginx:1.18-alpine
        command: [nginx, -c, /conf/nginx.conf, -g, "daemon off;"]
        ports: [{containerPort: 80}]
        readinessProbe:
          httpGet: {path: /, port: 80}
          periodSeconds: 1
        volumeMounts:
        - {name: logs, mountPath: /var/log/nginx}
        - {name: conf, mountPath: /conf}
      volumes:
      - name: conf
        configMap: {name: nginx-conf}
  volumeClaimTemplates:
  - metadata: {name: logs, labels: {kiamol: ch08-lab}}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 5Mi}}
`

const diskCalcJob = `apiVersion: batch/v1
kind: Job
metadata: {name: disk-calc, labels: {kiamol: ch08-lab}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: disk-calc
        image: kiamol/ch03-sleep
        command: [sh, -c, 'for n in 0 1 2; do echo "nginx-$n $(wc -c < /logs-$n/access.log)"; done']
        volumeMounts:
        - {name: logs-0, mountPath: /logs-0, readOnly: true}
        - {name: logs-1, mountPath: /logs-1, readOnly: true}
        - {name: logs-2, mountPath: /logs-2, readOnly: true}
      volumes:
      - {name: logs-0, persistentVolumeClaim: {claimName: logs-nginx-0, readOnly: true}}
      - {name: logs-1, persistentVolumeClaim: {claimName: logs-nginx-1, readOnly: true}}
      - {name: logs-2, persistentVolumeClaim: {claimName: logs-nginx-2, readOnly: true}}
`

// TestSeed002LabLogsToPerPodClaimsAndAJobReadsThemAll: requests through
// the Service and to each pod land in each pod's own claim; the disk-calc
// Job, mounting all three claims, prints the size each pod's nginx wrote;
// and the chapter's label cleanup leaves nothing.
func TestSeed002LabLogsToPerPodClaimsAndAJobReadsThemAll(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(nginxLab, "apply", "-f", "-")
	c.Run("rollout", "status", "statefulset/nginx", "--timeout=120s")
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(hostPort string) string {
		resp, err := client.Get("http://" + hostPort + "/")
		if err != nil {
			t.Fatalf("GET %s: %v", hostPort, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	for n := 0; n < 3; n++ {
		pod := fmt.Sprintf("nginx-%d", n)
		if got := get(net.JoinHostPort(podIP(t, cs, pod), "80")); got != "hello from "+pod+"\n" {
			t.Errorf("pod %s answered %q", pod, got)
		}
	}
	clusterIP := c.Run("get", "svc", "nginx", "-o", "jsonpath={.spec.clusterIP}")
	waitFor(t, func() bool { return canConnect(net.JoinHostPort(clusterIP, "80")) }, "the Service's ClusterIP serves")
	for i := 0; i < 6; i++ {
		if got := get(net.JoinHostPort(clusterIP, "80")); !strings.HasPrefix(got, "hello from nginx-") {
			t.Errorf("the Service answered %q", got)
		}
	}

	// Each pod's own log, read in the pod, is what the Job must print.
	want := map[string]int{}
	total := 0
	for n := 0; n < 3; n++ {
		pod := fmt.Sprintf("nginx-%d", n)
		lines := strings.Count(execIn(c, pod, "cat", "/var/log/nginx/access.log"), "\n")
		size, err := strconv.Atoi(strings.TrimSpace(execIn(c, pod, "sh", "-c", "wc -c < /var/log/nginx/access.log")))
		if err != nil || lines == 0 {
			t.Fatalf("pod %s logged %d requests (%d bytes, %v)", pod, lines, size, err)
		}
		want[pod], total = size, total+lines
	}
	// The readiness probe's requests are logged too: at least the test's 9.
	if total < 9 {
		t.Errorf("the three logs hold %d requests, want at least the 9 made", total)
	}
	c.RunIn(diskCalcJob, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Complete", "job/disk-calc", "--timeout=120s")
	out := c.Run("logs", "job/disk-calc")
	for pod, size := range want {
		var got int
		for _, line := range strings.Split(out, "\n") {
			if name, n, ok := strings.Cut(line, " "); ok && name == pod {
				got, _ = strconv.Atoi(n)
			}
		}
		// The pods go on logging probes until the Job reads.
		if got < size {
			t.Errorf("disk-calc printed %d bytes for %s, whose log held %d:\n%s", got, pod, size, out)
		}
	}

	c.Run("delete", "all,cm", "-l", "kiamol=ch08-lab")
	c.Run("delete", "pvc", "-l", "kiamol=ch08-lab")
	waitFor(t, func() bool {
		return strings.TrimSpace(c.Run("get", "all,pvc,cm", "-l", "kiamol=ch08-lab", "-o", "name")) == ""
	}, "nothing labelled kiamol=ch08-lab left")
}
