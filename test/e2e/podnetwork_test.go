package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	"github.com/ordo-dev/ordo/internal/testcluster/machines"
)

// podNetworkWeb is an HTTP server pod (busybox httpd) pinned to a node,
// its Service (ClusterIP and NodePort), and one client pod per node.
func podNetworkManifest(webNode string, clientNodes []string) string {
	m := `apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  nodeName: ` + webNode + `
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox
    command: [sh, -c, 'mkdir -p /tmp/www && echo hello-from-web > /tmp/www/index.html && exec busybox httpd -f -p 8080 -h /tmp/www']
    readinessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`
	for i, n := range clientNodes {
		m += fmt.Sprintf(`---
apiVersion: v1
kind: Pod
metadata: {name: client-%d}
spec:
  nodeSelector: {kubernetes.io/hostname: %s}
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: busybox, command: [sleep, "3600"]}
`, i, n)
	}
	return m
}

// TestPodNetworkAcrossMachines: a server and two agents on a lab's bridge.
// The server gives each Node its own /24 of 10.42.0.0/16; each machine
// routes the others' ranges via their addresses (host-gw, protocol 111).
// A pod on one agent reaches a pod on the other by pod IP, through the
// Service's ClusterIP (its only endpoint on the other node) and through
// the Service's DNS name from a pod on every node; the machines reach the
// pod on another machine, and a NodePort of one agent reaches it on the
// other. A stopped agent removes its routes; its Node deleted, the others
// drop their route to its range.
func TestPodNetworkAcrossMachines(t *testing.T) {
	t.Parallel()
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
	cidrs := map[string]string{}
	for _, m := range []*machines.Machine{srvM, m1, m2} {
		cidr := c.Run("get", "node", m.NodeName, "-o=jsonpath={.spec.podCIDR} {.spec.podCIDRs[0]}")
		f := strings.Fields(cidr)
		if len(f) != 2 || f[0] != f[1] || !regexp.MustCompile(`^10\.42\.\d+\.0/24$`).MatchString(f[0]) {
			t.Fatalf("node %s: podCIDR and podCIDRs %q, want one /24 of 10.42.0.0/16", m.NodeName, cidr)
		}
		for other, oc := range cidrs {
			if oc == f[0] {
				t.Fatalf("nodes %s and %s share %s", other, m.NodeName, oc)
			}
		}
		cidrs[m.NodeName] = f[0]
	}
	// Every machine routes the two others' ranges via their addresses.
	for _, m := range []*machines.Machine{srvM, m1, m2} {
		for _, o := range []*machines.Machine{srvM, m1, m2} {
			if o != m {
				want := fmt.Sprintf("%s via %s dev eth0 proto 111", cidrs[o.NodeName], o.IP)
				waitFor(t, func() bool { return strings.Contains(routesOf(t, m), want) },
					fmt.Sprintf("%s's route %q", m.Name, want))
			}
		}
	}

	c.RunIn(podNetworkManifest(m2.NodeName, []string{srvM.NodeName, m1.NodeName, m2.NodeName}), "apply", "-f", "-")
	for _, p := range []string{"web", "client-0", "client-1", "client-2"} {
		if _, _, err := s.Kubectl(context.Background(), "", "wait", "--for=condition=Ready", "pod/"+p, "--timeout=90s"); err != nil {
			out, _, _ := s.Kubectl(context.Background(), "", "describe", "pod", p)
			t.Fatalf("pod %s not Ready: %v\n%s", p, err, out)
		}
	}
	webIP := c.Run("get", "pod", "web", "-o=jsonpath={.status.podIP}")
	clusterIP := c.Run("get", "service", "web", "-o=jsonpath={.spec.clusterIP}")
	nodePort := c.Run("get", "service", "web", "-o=jsonpath={.spec.ports[0].nodePort}")
	if !cidrContains(cidrs[m2.NodeName], webIP) {
		t.Fatalf("web's IP %s is not in its node's range %s", webIP, cidrs[m2.NodeName])
	}
	const hello = "hello-from-web"
	get := func(pod, url string) string {
		return c.Run("exec", pod, "--", "wget", "-q", "-T", "5", "-t", "1", "-O-", url)
	}
	// Pod to pod by IP, agent1 to agent2.
	if out := get("client-1", "http://"+webIP+":8080/"); !strings.Contains(out, hello) {
		t.Errorf("pod on %s to pod IP %s on %s: %q", m1.Name, webIP, m2.Name, out)
	}
	// Pod to the Service's ClusterIP, its only endpoint on another node.
	if out := get("client-1", "http://"+clusterIP+"/"); !strings.Contains(out, hello) {
		t.Errorf("pod on %s to ClusterIP %s: %q", m1.Name, clusterIP, out)
	}
	// The Service's DNS name from a pod on every node.
	for i := range 3 {
		if out := get(fmt.Sprintf("client-%d", i), "http://web.default.svc.cluster.local/"); !strings.Contains(out, hello) {
			t.Errorf("client-%d to web.default.svc.cluster.local: %q", i, out)
		}
	}
	// A machine (its host network) to the pod on another machine.
	for _, m := range []*machines.Machine{srvM, m1} {
		out, err := m.Exec("wget", "-q", "-T", "5", "-t", "1", "-O-", "http://"+webIP+":8080/")
		if err != nil || !strings.Contains(out, hello) {
			t.Errorf("machine %s to pod IP %s: %q %v", m.Name, webIP, out, err)
		}
	}
	// host→ClusterIP on a machine without the endpoint.
	if out, err := m1.Exec("wget", "-q", "-T", "5", "-t", "1", "-O-", "http://"+clusterIP+"/"); err != nil || !strings.Contains(out, hello) {
		t.Errorf("machine %s to ClusterIP %s: %q %v", m1.Name, clusterIP, out, err)
	}
	// The NodePort of agent1 (and of the server) to the pod on agent2, from
	// outside the machines (the lab's host end).
	for _, m := range []*machines.Machine{m1, srvM} {
		if out := httpGet(t, fmt.Sprintf("http://%s:%s/", m.IP, nodePort)); !strings.Contains(out, hello) {
			t.Errorf("NodePort %s on %s: %q", nodePort, m.Name, out)
		}
	}

	// agent2 stops (--stop-pods-on-exit): its routes go with it.
	c.Run("delete", "pod", "web", "client-2", "--wait=true")
	m2.Agent.Stop()
	if out := routesOf(t, m2); strings.Contains(out, "proto 111") {
		t.Errorf("agent2's routes after its stop:\n%s", out)
	}
	// Its Node deleted: the others drop the route to its range.
	c.Run("delete", "node", m2.NodeName)
	for _, m := range []*machines.Machine{srvM, m1} {
		waitFor(t, func() bool { return !strings.Contains(routesOf(t, m), cidrs[m2.NodeName]) },
			fmt.Sprintf("%s's route to deleted %s's range gone", m.Name, m2.NodeName))
	}
	if out := routesOf(t, m1); !strings.Contains(out, cidrs[srvM.NodeName]+" via "+srvM.IP.String()) {
		t.Errorf("agent1 lost its route to the server's range:\n%s", out)
	}
}

func mustM(t *testing.T) func(*machines.Machine, error) *machines.Machine {
	return func(m *machines.Machine, err error) *machines.Machine {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
}

func routesOf(t *testing.T, m *machines.Machine) string {
	out, err := m.Exec("ip", "route")
	if err != nil {
		t.Fatalf("ip route on %s: %v", m.Name, err)
	}
	return out
}

func cidrContains(cidr, ip string) bool {
	p := strings.TrimSuffix(cidr, "0/24")
	return strings.HasPrefix(ip, p)
}

// TestNodePodCIDRAllocationAndAMismatchedFlag: a Node made without a
// range gets the cluster range's first free /24 (10.42.0.0/24, as k3s's
// first node), and an agent whose --pod-cidr differs from the range its
// Node already holds exits with an error naming the flag and both ranges.
func TestNodePodCIDRAllocationAndAMismatchedFlag(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	free, pinned := c.NodeName+"-free", c.NodeName+"-pinned"
	c.RunIn("apiVersion: v1\nkind: Node\nmetadata: {name: "+free+"}\n", "create", "-f", "-")
	waitFor(t, func() bool {
		return c.Run("get", "node", free, "-o=jsonpath={.spec.podCIDR} {.spec.podCIDRs}") == `10.42.0.0/24 ["10.42.0.0/24"]`
	}, "the new Node's podCIDR 10.42.0.0/24")
	c.RunIn("apiVersion: v1\nkind: Node\nmetadata: {name: "+pinned+"}\nspec: {podCIDR: 10.42.7.0/24, podCIDRs: [10.42.7.0/24]}\n", "create", "-f", "-")

	port, err := testcluster.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	token, err := os.ReadFile(filepath.Join(c.DataDir, "pki", "node-token"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, "agent", "--server", "https://"+c.Listen, "--token", strings.TrimSpace(string(token)),
		"--ca-cert", filepath.Join(c.DataDir, "pki", "ca.crt"), "--data-dir", t.TempDir(), "--node-name", pinned,
		"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--bridge", fmt.Sprintf("ordo-m%d", port),
		"--service-interface", fmt.Sprintf("ordo-n%d", port), "--pod-cidr", "10.253.0.0/24")
	out, err := cmd.CombinedOutput()
	// (the log line quotes the message, so the Node's name is checked apart)
	want := `--pod-cidr 10.253.0.0/24 does not match spec.podCIDR 10.42.7.0/24 of Node `
	if err == nil || ctx.Err() != nil || !strings.Contains(string(out), want) || !strings.Contains(string(out), pinned+`\", which cannot change`) {
		t.Fatalf("agent with a mismatched --pod-cidr: %v\n%s\nwant an exit with %q", err, out, want)
	}
	if got := c.Run("get", "node", c.NodeName+"-free", "-o=jsonpath={.spec.podCIDR}"); got != "10.42.0.0/24" {
		t.Errorf("the free Node's range changed to %q", got)
	}

	// The server itself, restarted with another --pod-cidr than its own
	// Node holds, stops with the error.
	c.Stop()
	sctx, scancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer scancel()
	args := append([]string{"server", "--data-dir", c.DataDir, "--listen", c.Listen}, c.ExtraArgs...)
	out, err = exec.CommandContext(sctx, c.Bin, append(args, "--pod-cidr", "10.254.0.0/24")...).CombinedOutput()
	want = "--pod-cidr 10.254.0.0/24 does not match spec.podCIDR " + c.PodCIDR + " of Node "
	if err == nil || sctx.Err() != nil || !strings.Contains(string(out), want) {
		t.Fatalf("server with a mismatched --pod-cidr: %v\n%s\nwant an exit with %q", err, out, want)
	}
}
