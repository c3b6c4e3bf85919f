package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	"github.com/ordo-dev/ordo/internal/testcluster/machines"
)

// nodeLossApps are a Deployment, a StatefulSet without volumes and one
// with a local-path claim, and a Job, one pod each, and a DaemonSet.
const nodeLossApps = `apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  template:
    metadata: {labels: {app: batch}}
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - {name: c, image: busybox, command: [sleep, "3600"]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: daemon}
spec:
  selector: {matchLabels: {app: daemon}}
  template:
    metadata: {labels: {app: daemon}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: c, image: busybox, command: [sleep, "3600"]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: c, image: busybox, command: [sleep, "3600"]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: c, image: busybox, command: [sleep, "3600"]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: vol}
spec:
  replicas: 1
  serviceName: vol
  selector: {matchLabels: {app: vol}}
  template:
    metadata: {labels: {app: vol}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: [sleep, "3600"]
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 5Mi}}
`

// podsLine prints, per pod of a label, name, node, UID and whether it is
// terminating.
const podsLine = `-o=jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.metadata.uid} {.metadata.deletionTimestamp}{"\n"}{end}`

// TestNodeLossEvictsAndRecreatesElsewhere: a server machine and an agent
// machine; a Deployment's, a Job's and two StatefulSets' pods (one with a
// local-path volume) and a DaemonSet's run on the agent's node, whose ordo
// is then killed -9 (its pods' processes live on, as in a partition). Once
// the node is unreachable (grace period 12 s) and the pods' 3 s toleration
// (--default-unreachable-toleration-seconds=3; the not-ready one is given
// 4 s) runs out, the taint manager deletes them gracefully (not the
// DaemonSet's, which tolerates it forever): the Deployment's and the Job's
// are replaced on the server's node at once; the StatefulSets' stay
// Terminating, never duplicated, since no agent confirms their end.
// Marking the node out-of-service has PodGC force-delete them: the
// StatefulSet without a volume comes back on the server's node, the one
// whose volume is on the lost node stays Pending for it. The agent,
// restarted, ends the force-deleted pods' processes; without the taint the
// pod with the volume runs on its node again. Then a power loss and
// `kubectl delete node`: PodGC force-deletes the orphan, which waits
// Pending for its volume's node until the machine is back.
func TestNodeLossEvictsAndRecreatesElsewhere(t *testing.T) {
	t.Parallel()
	lab := machines.New(t)
	srv, err := lab.AddMachine("server1")
	if err != nil {
		t.Fatal(err)
	}
	ag, err := lab.AddMachine("agent1")
	if err != nil {
		t.Fatal(err)
	}
	// Longer than the agents' lease renewal (10 s): the node goes Unknown
	// only when its heartbeats stop.
	s, err := srv.StartServer("--node-monitor-grace-period=12s", "--default-unreachable-toleration-seconds=3",
		"--default-not-ready-toleration-seconds=4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ag.StartAgent(srv); err != nil {
		t.Fatal(err)
	}
	c := testcluster.Bind(t, s)
	// Everything starts on the agent's node: the server's own would win.
	c.Run("cordon", srv.NodeName)
	c.RunIn(nodeLossApps, "apply", "-f", "-")
	for _, app := range []string{"deployment/web", "statefulset/db", "statefulset/vol", "daemonset/daemon"} {
		c.Run("rollout", "status", app, "--timeout=120s")
	}
	c.Run("wait", "--for=condition=Ready", "pod", "-l", "app=batch", "--timeout=120s")
	c.Run("uncordon", srv.NodeName)
	before := map[string][]string{}
	for _, app := range []string{"web", "db", "vol", "batch"} {
		pods := podsOf(c, app)
		if len(pods) != 1 || pods[0][1] != ag.NodeName {
			t.Fatalf("%s's pods %v, want one on %s", app, pods, ag.NodeName)
		}
		before[app] = pods[0]
	}
	tol := c.Run("get", "pod", before["web"][0], `-o=jsonpath={.spec.tolerations[?(@.key=="node.kubernetes.io/unreachable")].tolerationSeconds}`)
	if tol != "3" {
		t.Errorf("the unreachable toleration's seconds %q, want 3 (--default-unreachable-toleration-seconds)", tol)
	}
	tol = c.Run("get", "pod", before["web"][0], `-o=jsonpath={.spec.tolerations[?(@.key=="node.kubernetes.io/not-ready")].tolerationSeconds}`)
	if tol != "4" {
		t.Errorf("the not-ready toleration's seconds %q, want 4 (--default-not-ready-toleration-seconds)", tol)
	}
	shims := testcluster.ShimCount(ag.DataDir)

	killed := time.Now()
	ag.Kill9()
	waitFor(t, func() bool {
		return strings.Contains(c.Run("get", "node", ag.NodeName, "-o=jsonpath={.spec.taints[*].effect}"), "NoExecute")
	}, "the unreachable:NoExecute taint")
	t.Logf("node tainted unreachable:NoExecute %v after the kill", time.Since(killed).Round(time.Millisecond))
	waitFor(t, func() bool {
		for _, p := range podsOf(c, "web") {
			if p[1] == srv.NodeName && p[3] == "" && c.Run("get", "pod", p[0], "-o=jsonpath={.status.phase}") == "Running" {
				return true
			}
		}
		return false
	}, "the Deployment's pod running on the server's node")
	t.Logf("Deployment's pod replaced and Running on the other node %v after the kill", time.Since(killed).Round(time.Millisecond))
	waitFor(t, func() bool {
		for _, p := range podsOf(c, "batch") {
			if p[1] == srv.NodeName && p[3] == "" {
				return true
			}
		}
		return false
	}, "the Job's pod replaced on the server's node")
	if cond := c.Run("get", "pod", before["web"][0], `-o=jsonpath={.status.conditions[?(@.type=="DisruptionTarget")].reason}`); cond != "DeletionByTaintManager" {
		t.Errorf("the evicted pod's DisruptionTarget reason %q", cond)
	}
	// The StatefulSets' pods: Terminating on the lost node, alone.
	for end := time.Now().Add(8 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		for _, app := range []string{"db", "vol"} {
			pods := podsOf(c, app)
			if len(pods) != 1 || pods[0][2] != before[app][2] {
				t.Fatalf("%s's pods %v while its node is lost, want only %v", app, pods, before[app])
			}
		}
	}
	for _, app := range []string{"db", "vol"} {
		if p := podsOf(c, app)[0]; p[3] == "" {
			t.Errorf("%s's pod %v not Terminating after its toleration", app, p)
		}
	}
	// The DaemonSet's pod tolerates the node's loss forever.
	for _, p := range podsOf(c, "daemon") {
		if p[1] == ag.NodeName && p[3] != "" {
			t.Errorf("the DaemonSet's pod on the lost node is Terminating: %v", p)
		}
	}

	// Non-graceful node shutdown: a person says the machine is down.
	c.Run("taint", "node", ag.NodeName, "node.kubernetes.io/out-of-service=nodeshutdown:NoExecute")
	marked := time.Now()
	waitFor(t, func() bool {
		pods := podsOf(c, "db")
		return len(pods) == 1 && pods[0][2] != before["db"][2] && pods[0][1] == srv.NodeName &&
			c.Run("get", "pod", "db-0", "-o=jsonpath={.status.phase}") == "Running"
	}, "db-0 recreated and Running on the server's node")
	t.Logf("out-of-service taint: db-0 Running on the other node %v later", time.Since(marked).Round(time.Millisecond))
	waitFor(t, func() bool {
		pods := podsOf(c, "vol")
		return len(pods) == 1 && pods[0][2] != before["vol"][2] &&
			strings.Contains(c.Run("get", "pod", "vol-0", `-o=jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}`), "volume node affinity conflict")
	}, "vol-0 recreated and Pending for its volume's node")
	if p := podsOf(c, "web"); len(p) != 1 || p[0][1] != srv.NodeName {
		t.Errorf("the Deployment's pods %v, want the one on %s (the old one force-deleted)", p, srv.NodeName)
	}

	// The agent comes back: the force-deleted pods' processes end.
	if err := ag.Agent.Restart(s); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return testcluster.ShimCount(ag.DataDir) == 0 }, "the agent ending its force-deleted pods' shims")
	t.Logf("the restarted agent ended %d pod shims", shims)
	c.Run("taint", "node", ag.NodeName, "node.kubernetes.io/out-of-service-")
	waitFor(t, func() bool {
		pods := podsOf(c, "vol")
		return len(pods) == 1 && pods[0][1] == ag.NodeName && c.Run("get", "pod", "vol-0", "-o=jsonpath={.status.phase}") == "Running"
	}, "vol-0 Running on its volume's node again")
	if p := podsOf(c, "db"); len(p) != 1 || p[0][1] != srv.NodeName {
		t.Errorf("db's pods %v, want the one on %s", p, srv.NodeName)
	}

	// A power loss, then the Node deleted: PodGC force-deletes its pods
	// once it has been gone for the 40 s quarantine; vol-0 waits for its
	// volume's node.
	vol := podsOf(c, "vol")[0]
	if err := ag.KillAll(); err != nil {
		t.Fatal(err)
	}
	c.Run("delete", "node", ag.NodeName)
	deleted := time.Now()
	for deadline := deleted.Add(100 * time.Second); ; time.Sleep(time.Second) {
		pods := podsOf(c, "vol")
		if len(pods) == 1 && pods[0][2] != vol[2] &&
			strings.Contains(c.Run("get", "pod", "vol-0", `-o=jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}`), "volume node affinity conflict") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("vol-0 not recreated and Pending for its volume's node 100 s after its Node's deletion: %v", pods)
		}
	}
	t.Logf("Node deleted: vol-0 recreated (Pending for its volume) %v later", time.Since(deleted).Round(time.Millisecond))
	// The machine back: its agent registers the Node again; vol-0 runs there.
	if err := ag.Agent.Restart(s); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		pods := podsOf(c, "vol")
		return len(pods) == 1 && pods[0][1] == ag.NodeName && c.Run("get", "pod", "vol-0", "-o=jsonpath={.status.phase}") == "Running"
	}, "vol-0 Running on its volume's node once it is back")
}

// podsOf is the pods labelled app=app: name, node, UID, deletionTimestamp.
func podsOf(c *testcluster.T, app string) [][]string {
	var out [][]string
	for _, line := range strings.Split(strings.TrimSpace(c.Run("get", "pods", "-l", "app="+app, podsLine)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, " ")
		for len(f) < 4 {
			f = append(f, "")
		}
		out = append(out, f)
	}
	return out
}
