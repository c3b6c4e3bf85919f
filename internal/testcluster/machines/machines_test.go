package machines_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	"github.com/ordo-dev/ordo/internal/testcluster/machines"
)

// nodesLine prints, per node, its name, InternalIP and Ready status.
const nodesLine = `-o=jsonpath={range .items[*]}{.metadata.name} {.status.addresses[?(@.type=="InternalIP")].address} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`

// TestLabServerAndAgentMachines: a server machine and an agent machine
// on a lab's bridge form a cluster: the agent joins over the bridge, both
// Nodes are Ready with the machines' addresses as InternalIP, a pod bound
// to the agent's node runs there; cutting the agent's link makes its Node
// Unknown, restoring it makes it Ready again; a kill -9 of the agent and a
// restart keep the pod, a kill of every process of the machine and a
// restart bring it back; and the lab's cleanup leaves no process, network
// namespace, link, mount or cgroup behind.
func TestLabServerAndAgentMachines(t *testing.T) {
	t.Parallel()
	var lab *machines.Lab
	t.Run("cluster", func(t *testing.T) {
		start := time.Now()
		lab = machines.New(t)
		srv, ag := must(lab.AddMachine("server1"))(t), must(lab.AddMachine("agent1"))(t)
		// Longer than the agents' lease renewal (10 s), so that a node goes
		// Unknown only when its heartbeats stop, not between two of them.
		s := must(srv.StartServer("--node-monitor-grace-period=12s"))(t)
		must(ag.StartAgent(srv))(t)
		c := testcluster.Bind(t, s)
		want := fmt.Sprintf("%s %s True\n%s %s True\n", ag.NodeName, ag.IP, srv.NodeName, srv.IP)
		waitFor(t, "both nodes Ready with the machines' addresses", func() bool { return c.Run("get", "nodes", nodesLine) == want })
		t.Logf("2-machine lab (bridge, 2 machines, server, joined agent, both Ready) up in %v", time.Since(start).Round(time.Millisecond))

		checkInside(t, ag, lab.Gateway)
		c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: pinned}
spec:
  nodeName: `+ag.NodeName+`
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: busybox, command: [sleep, "3600"]}
`, "apply", "-f", "-")
		c.Run("wait", "--for=condition=Ready", "pod/pinned", "--timeout=60s")
		if ip := c.Run("get", "pod", "pinned", "-o=jsonpath={.status.hostIP}"); ip != ag.IP.String() {
			t.Errorf("pod's hostIP %q, want the agent machine's %s", ip, ag.IP)
		}

		cut := time.Now()
		check(t, ag.CutLink())
		waitFor(t, "the agent's node Unknown", func() bool { return nodeReady(c, ag.NodeName) == "Unknown" })
		t.Logf("link cut: node Unknown after %v (grace period 12s)", time.Since(cut).Round(time.Millisecond))
		restored := time.Now()
		check(t, ag.RestoreLink())
		waitFor(t, "the agent's node Ready again", func() bool { return nodeReady(c, ag.NodeName) == "True" })
		t.Logf("link restored: node Ready after %v", time.Since(restored).Round(time.Millisecond))

		ag.Kill9()
		if err := ag.Agent.Restart(s); err != nil {
			t.Fatal(err)
		}
		c.Run("wait", "--for=condition=Ready", "pod/pinned", "--timeout=60s")

		// A power loss: every process of the machine, its pods' too; the
		// restarted agent starts the pod again.
		check(t, ag.KillAll())
		if n := testcluster.ShimCount(ag.DataDir); n != 0 {
			t.Errorf("%d pod shims outlived KillAll", n)
		}
		check(t, ag.Agent.Restart(s))
		waitFor(t, "the pod's shim again", func() bool { return testcluster.ShimCount(ag.DataDir) == 1 })
		c.Run("wait", "--for=condition=Ready", "pod/pinned", "--timeout=60s")

		switch err := ag.Delay(20 * time.Millisecond); {
		case errors.Is(err, machines.ErrNoNetem):
			t.Logf("Delay not checked: %v", err)
		case err != nil:
			t.Error(err)
		default:
			if err := ag.Delay(0); err != nil {
				t.Error(err)
			}
		}
	})
	if lab == nil {
		return
	}
	if err := lab.Leftovers(); err != nil {
		t.Errorf("after cleanup: %v", err)
	}
	checkHostClean(t, lab)
}

// must returns v, failing the test on err.
func must[V any](v V, err error) func(t *testing.T) V {
	return func(t *testing.T) V {
		t.Helper()
		check(t, err)
		return v
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkInside checks the agent machine from inside: its eth0 has its
// address, its host name is its node's, its resolver the lab's gateway,
// and its /run is its own.
func checkInside(t *testing.T, m *machines.Machine, gateway net.IP) {
	t.Helper()
	if out, err := m.Exec("ip", "-4", "-o", "addr", "show", "dev", "eth0"); err != nil || !strings.Contains(out, " "+m.IP.String()+"/24 ") {
		t.Errorf("eth0 inside %s: %v\n%s", m.Name, err, out)
	}
	if out, err := m.Exec("hostname"); err != nil || strings.TrimSpace(out) != m.NodeName {
		t.Errorf("host name inside %s: %q, %v", m.Name, out, err)
	}
	if _, err := m.Exec("test", "-e", "/run/netns/"+m.Netns); err == nil {
		t.Errorf("the host's /run/netns shows inside %s", m.Name)
	}
	if out, err := m.Exec("cat", "/etc/resolv.conf"); err != nil || out != "nameserver "+gateway.String()+"\n" {
		t.Errorf("resolv.conf inside %s: %q, %v", m.Name, out, err)
	}
	if _, err := m.Exec("test", "-d", "/run/ordo/claims"); err != nil {
		t.Errorf("no /run/ordo/claims of its own inside %s: %v", m.Name, err)
	}
}

// checkHostClean looks, with iproute2 and the file system rather than
// the harness, for anything of the lab left on the host.
func checkHostClean(t *testing.T, lab *machines.Lab) {
	t.Helper()
	for _, args := range [][]string{{"netns", "list"}, {"-o", "link", "show"}} {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
		if mentions(string(out), lab.ID) {
			t.Errorf("ip %v shows the lab %s after cleanup:\n%s", args, lab.ID, out)
		}
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), lab.Dir) || mentions(string(mounts), lab.ID) {
		t.Errorf("mounts of the lab %s left", lab.ID)
	}
}

// mentions tells whether text names the lab id or one of its links or
// namespaces (id, idvN, id-NAME), not another lab's whose id it begins.
func mentions(text, id string) bool {
	return regexp.MustCompile(regexp.QuoteMeta(id) + `([^0-9]|$)`).MatchString(text)
}

func nodeReady(c *testcluster.T, node string) string {
	return c.Run("get", "node", node, `-o=jsonpath={.status.conditions[?(@.type=="Ready")].status}`)
}

// waitFor polls cond for up to two minutes (a bound, not a timing
// assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}
