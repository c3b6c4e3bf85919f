package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	"github.com/ordo-dev/ordo/internal/testcluster/machines"
)

// drainApps is the Deployment (4 busybox replicas the scheduler spreads
// by load) and its PodDisruptionBudget (minAvailable 3). A replacement is
// Ready only 3 s after it starts, so a second eviction of a drain finds
// the budget spent (without the delay ordo's replacement can be Ready
// within the eviction's own 0.5 s conflict retry, and both go at once).
const drainApps = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: [sleep, "3600"]
        readinessProbe: {exec: {command: ["true"]}, initialDelaySeconds: 3, periodSeconds: 1}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 3
  selector: {matchLabels: {app: web}}
`

// drainPod is a bare busybox pod; extra is appended to its spec.
func drainPod(name, extra string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: busybox, command: [sleep, "3600"]}
` + extra
}

// TestDrainTaintsAcrossMachines: a server and two agents on a lab. `get
// nodes -o wide` shows each Node Ready with its machine's address and the
// server's version. Cordoning agent2 shows SchedulingDisabled and keeps
// new pods off it; `kubectl drain` evicts its Deployment pods (two, one
// waiting for the other's replacement) through the
// Eviction API, within the PodDisruptionBudget, and they run elsewhere; a
// drain the budget forbids (minAvailable 4) is refused with Kubernetes'
// message until its timeout. A NoSchedule taint on agent1 keeps pods
// without a toleration off it, a tolerating pod pinned by nodeSelector
// runs there, and a NoExecute taint evicts the pod that does not tolerate
// it while the tolerating one stays.
func TestDrainTaintsAcrossMachines(t *testing.T) {
	t.Parallel()
	start := time.Now()
	lab := machines.New(t)
	srvM, m1, m2 := mustM(t)(lab.AddMachine("server1")), mustM(t)(lab.AddMachine("agent1")), mustM(t)(lab.AddMachine("agent2"))
	s, err := srvM.StartServer()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*machines.Machine{m1, m2} {
		if _, err := m.StartAgent(srvM); err != nil {
			t.Fatal(err)
		}
	}
	c := testcluster.Bind(t, s)
	a1, a2 := m1.NodeName, m2.NodeName
	t.Logf("lab up in %v", time.Since(start).Round(time.Millisecond))

	// 1. get nodes -o wide: every machine's address, the server's version.
	var ver struct {
		ServerVersion struct{ GitVersion string } `json:"serverVersion"`
	}
	if err := json.Unmarshal([]byte(c.Run("version", "-o", "json")), &ver); err != nil || ver.ServerVersion.GitVersion == "" {
		t.Fatalf("kubectl version -o json: %v %+v", err, ver)
	}
	rows := wideNodes(t, c)
	if len(rows) != 3 {
		t.Fatalf("get nodes -o wide: %d rows, want 3: %v", len(rows), rows)
	}
	for _, m := range []*machines.Machine{srvM, m1, m2} {
		r := rows[m.NodeName]
		if r == nil || r["STATUS"] != "Ready" || r["VERSION"] != ver.ServerVersion.GitVersion || r["INTERNAL-IP"] != m.IP.String() {
			t.Errorf("node %s: row %v, want STATUS Ready, VERSION %s, INTERNAL-IP %s", m.NodeName, r, ver.ServerVersion.GitVersion, m.IP)
		}
	}

	// 2. A spread Deployment under a budget; cordon and drain agent2.
	// (the server's node cordoned meanwhile, so each agent gets two and
	// the drain of agent2 needs the budget: one eviction must wait)
	c.Run("cordon", srvM.NodeName)
	c.RunIn(drainApps, "apply", "-f", "-")
	c.Run("rollout", "status", "deployment/web", "--timeout=90s")
	c.Run("uncordon", srvM.NodeName)
	before := onNode(t, c, "app=web")
	if before[a2] == 0 {
		t.Fatalf("no pod of web on %s: %v", a2, before)
	}
	c.Run("cordon", a2)
	if r := wideNodes(t, c)[a2]; r["STATUS"] != "Ready,SchedulingDisabled" {
		t.Errorf("cordoned %s: STATUS %q, want Ready,SchedulingDisabled", a2, r["STATUS"])
	}
	for _, p := range []string{"fresh-0", "fresh-1", "fresh-2"} {
		c.RunIn(drainPod(p, ""), "apply", "-f", "-")
	}
	c.Run("wait", "--for=condition=Ready", "pod/fresh-0", "pod/fresh-1", "pod/fresh-2", "--timeout=60s")
	for _, p := range []string{"fresh-0", "fresh-1", "fresh-2"} {
		if n := c.Run("get", "pod", p, "-o=jsonpath={.spec.nodeName}"); n == a2 {
			t.Errorf("pod %s placed on cordoned %s", p, a2)
		}
	}
	c.Run("delete", "pod", "fresh-0", "fresh-1", "fresh-2", "--wait=true")

	drained := time.Now()
	out, errOut, err := s.Kubectl(context.Background(), "", "drain", a2, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=90s")
	if err != nil || !strings.Contains(out+errOut, "evicting pod default/web-") || !strings.Contains(out, "node/"+a2+" drained") {
		t.Fatalf("kubectl drain %s: %v\nstdout: %s\nstderr: %s", a2, err, out, errOut)
	}
	const refused = "Cannot evict pod as it would violate the pod's disruption budget."
	t.Logf("drain of %s (%d pods of web) took %v, %d evictions refused by the budget", a2, before[a2],
		time.Since(drained).Round(time.Millisecond), strings.Count(out+errOut, refused))
	if before[a2] >= 2 && !strings.Contains(errOut, refused) {
		t.Errorf("drain of %s's %d pods under minAvailable 3 of 4: no eviction refused\nstdout: %s\nstderr: %s", a2, before[a2], out, errOut)
	}
	c.Run("rollout", "status", "deployment/web", "--timeout=60s")
	where := onNode(t, c, "app=web")
	if where[a2] != 0 || where[a1]+where[srvM.NodeName] != 4 {
		t.Errorf("web's pods after the drain: %v, want 4 Running off %s", where, a2)
	}
	c.Run("uncordon", a2)
	if r := wideNodes(t, c)[a2]; r["STATUS"] != "Ready" {
		t.Errorf("uncordoned %s: STATUS %q, want Ready", a2, r["STATUS"])
	}

	// A drain the budget forbids: refused, retried, given up at its timeout.
	c.Run("patch", "pdb", "web", "--type=merge", "-p", `{"spec":{"minAvailable":4}}`)
	waitFor(t, func() bool {
		return c.Run("get", "pdb", "web", "-o=jsonpath={.status.desiredHealthy} {.status.disruptionsAllowed}") == "4 0"
	}, "the budget's disruptionsAllowed 0 for minAvailable 4")
	busy := a1
	if where[a1] == 0 {
		busy = srvM.NodeName
	}
	out, errOut, err = s.Kubectl(context.Background(), "", "drain", busy, "--ignore-daemonsets", "--timeout=8s")
	if err == nil || strings.Count(out+errOut, refused) < 2 || !strings.Contains(errOut, "global timeout reached: 8s") {
		t.Errorf("drain %s against minAvailable 4: %v, want refusals (%q) retried until the timeout\nstdout: %s\nstderr: %s", busy, err, refused, out, errOut)
	}
	if got := onNode(t, c, "app=web"); got[busy] != where[busy] {
		t.Errorf("refused drain moved pods: %v, before %v", got, where)
	}
	c.Run("uncordon", busy)
	c.Run("patch", "pdb", "web", "--type=merge", "-p", `{"spec":{"minAvailable":3}}`)

	// 3. Taints on agent1: NoSchedule keeps new pods off, a tolerating pod
	// pinned by nodeSelector runs there, NoExecute evicts the intolerant.
	pin := "  nodeSelector: {kubernetes.io/hostname: " + a1 + "}\n"
	c.RunIn(drainPod("victim", pin), "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/victim", "--timeout=60s")
	c.Run("taint", "nodes", a1, "dedicated=x:NoSchedule")
	c.RunIn(drainPod("plain", ""), "apply", "-f", "-")
	c.RunIn(drainPod("tolerant", pin+"  tolerations: [{key: dedicated, operator: Exists}]\n"), "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/plain", "pod/tolerant", "--timeout=60s")
	if n := c.Run("get", "pod", "plain", "-o=jsonpath={.spec.nodeName}"); n == a1 {
		t.Errorf("pod without a toleration placed on %s, tainted dedicated=x:NoSchedule", a1)
	}
	if n := c.Run("get", "pod", "tolerant", "-o=jsonpath={.spec.nodeName}"); n != a1 {
		t.Errorf("tolerating pod pinned to %s runs on %q", a1, n)
	}
	c.Run("taint", "nodes", a1, "dedicated=x:NoExecute")
	waitFor(t, func() bool {
		_, _, err := s.Kubectl(context.Background(), "", "get", "pod", "victim")
		return err != nil
	}, "victim evicted by the NoExecute taint")
	if ev := c.Run("get", "events", "--field-selector", "involvedObject.name=victim,reason=TaintManagerEviction", "-o=name"); ev == "" {
		t.Errorf("no TaintManagerEviction event for victim")
	}
	if ph := c.Run("get", "pod", "tolerant", "-o=jsonpath={.status.phase} {.metadata.deletionTimestamp}"); ph != "Running " {
		t.Errorf("tolerating pod after the NoExecute taint: %q, want Running, not deleted", ph)
	}
	c.Run("taint", "nodes", a1, "dedicated-")
	t.Logf("whole test %v", time.Since(start).Round(time.Millisecond))
}

// wideNodes is `kubectl get nodes -o wide` as rows by node name, each
// column by its header.
func wideNodes(t *testing.T, c *testcluster.T) map[string]map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(c.Run("get", "nodes", "-o", "wide")), "\n")
	header := strings.Fields(lines[0])
	want := []string{"NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE"}
	for i, h := range want {
		if i >= len(header) || header[i] != h {
			t.Fatalf("get nodes -o wide header %q, want %v first", lines[0], want)
		}
	}
	rows := map[string]map[string]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		r := map[string]string{}
		for i := 0; i < len(f) && i < 7; i++ {
			r[header[i]] = f[i]
		}
		rows[f[0]] = r
	}
	return rows
}

// onNode counts the Running, not deleted pods matching selector per node.
func onNode(t *testing.T, c *testcluster.T, selector string) map[string]int {
	t.Helper()
	out := c.Run("get", "pods", "-l", selector, "-o",
		`jsonpath={range .items[*]}{.spec.nodeName} {.status.phase} {.metadata.deletionTimestamp}{"\n"}{end}`)
	n := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[1] == "Running" {
			n[f[0]]++
		}
	}
	return n
}
